// The per-request context: created once, in full, when a request arrives, and passed
// through every stage (one hidden class, no per-stage objects).
import type { IncomingMessage, ServerResponse } from "node:http";
// The global `performance` is a lazy accessor: each read is a getter call on the hot path.
import { performance } from "node:perf_hooks";
import type { Admission } from "../meter/index.ts";
import type { Observers } from "./log-decision.ts";
import type { PolicyState, ProxyRuntime } from "./policy-state.ts";
import { NO_REQUEST_HEADERS, type RequestHeaders } from "./request-headers.ts";
import { newRequestId } from "./request-id.ts";

const NO_HEADERS: readonly (readonly [string, string])[] = [];

export class RequestContext {
  readonly requestId: string;
  readonly startedAt: number;
  /** The request's headers by lower-case name (set first thing in `route`). */
  headers: RequestHeaders = NO_REQUEST_HEADERS;
  proxy: ProxyRuntime | null = null;
  credential: string | null = null;
  claims: Readonly<Record<string, unknown>> | null = null;
  stripHeaders: readonly string[] = [];
  stripQuery: readonly string[] = [];
  rest = "/";
  rawQuery = "";
  query: Record<string, string[]> = {};
  canonicalPath: string | null = null;
  body: Buffer | null = null;
  verdict: "allow" | "deny" = "deny";
  status = 0;
  code = "";
  scope: string | null = null;
  rule: string | null = null;
  decisionUs = 0;
  admission: Admission | null = null;
  /** Headers added to whatever the caller gets (RateLimit headers). */
  extraHeaders: readonly (readonly [string, string])[] = NO_HEADERS;
  upstreamStatus: number | null = null;
  upstreamStartedAt = 0;
  logged = false;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly state: PolicyState,
    /** Where the request's decision record and metrics go once the response is done. */
    readonly observers: Observers,
  ) {
    this.requestId = newRequestId();
    this.startedAt = performance.now();
  }

  get clientAddress(): string {
    return this.request.socket.remoteAddress ?? "unknown";
  }
}
