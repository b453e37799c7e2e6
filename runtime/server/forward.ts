// Stage `forward`: the canonical request goes to the target through its undici Pool,
// streaming both ways. The upstream credential is injected; the caller's is stripped. When
// a response filter applies, a 2xx body is collected instead and handed to the filter stage.
//
// The Pool is driven through `dispatch` with a handler of our own rather than `stream()`:
// no Writable, AsyncResource or end-of-stream listeners per request (SPEC §13: the hot path
// stays near a bare pass-through; measured in bench/RESULTS.md).

import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import type { Dispatcher } from "undici";
import type { RequestContext } from "./context.ts";
import { declaresBody, forwardHeaders, pushPairs, responseHeaderList } from "./headers.ts";
import type { ProblemCode } from "./problems.ts";
import { stripQuery } from "./request-target.ts";

export interface CollectedResponse {
  readonly statusCode: number;
  /** Flat [name, value, …] list, lower-case names, hop-by-hop headers already removed. */
  readonly headers: string[];
  readonly body: Buffer;
}

export type ForwardOutcome =
  | { kind: "streamed" }
  | { kind: "collected"; response: CollectedResponse }
  | { kind: "failed"; code: ProblemCode };

const STREAMED: ForwardOutcome = Object.freeze({ kind: "streamed" });
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

class TooLarge extends Error {}
class CallerGone extends Error {}

/**
 * `collect`: a 2xx response body is needed whole (a filter or a value meter applies). `done` is
 * called exactly once: when the response has streamed through, was collected, or failed.
 */
export function forward(
  context: RequestContext,
  collect: boolean,
  filterLimit: number,
  done: (outcome: ForwardOutcome) => void,
): void {
  const proxy = context.proxy!;
  const request = context.request;
  let injected: readonly (readonly [string, string])[];
  try {
    injected = proxy.upstreamAuth.headers();
  } catch {
    done({ kind: "failed", code: "upstream-auth-unavailable" });
    return;
  }
  const query = stripQuery(context.rawQuery, context.stripQuery);
  const headers = forwardHeaders({
    rawHeaders: request.rawHeaders,
    headers: context.headers,
    requestId: context.requestId,
    clientAddress: context.clientAddress,
    drop: context.stripHeaders,
    owned: proxy.upstreamAuth.ownedHeaders,
    set: injected,
    identityEncoding: collect,
  });
  context.upstreamStartedAt = performance.now();
  proxy.pool.dispatch(
    {
      path: proxy.basePath + context.canonicalPath! + (query ? `?${query}` : ""),
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: context.body ?? (declaresBody(context.headers.byName) ? request : null),
    },
    new ForwardHandler(context, collect, filterLimit, done),
  );
}

/**
 * undici's handler interface: the response either streams into the caller's ServerResponse
 * (pausing the upstream while the caller's socket is full) or, for a filtered 2xx, is
 * collected up to `limit` bytes. Settles exactly once.
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private abort: ((reason?: Error) => void) | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;
  private statusCode = 0;
  private headers: string[] = [];
  private settled = false;
  private resume: (() => void) | null = null;

  constructor(
    private readonly context: RequestContext,
    private readonly collect: boolean,
    private readonly limit: number,
    private readonly resolve: (outcome: ForwardOutcome) => void,
  ) {}

  onConnect(abort: (reason?: Error) => void): void {
    if (this.context.response.destroyed) {
      abort(new CallerGone());
      return;
    }
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: the final response follows
    const context = this.context;
    context.upstreamStatus = statusCode;
    const headers = responseHeaderList(rawHeaders);
    if (this.collect && statusCode < 300) {
      this.statusCode = statusCode;
      this.headers = headers;
      this.chunks = [];
      return true;
    }
    const response = context.response;
    if (response.destroyed) {
      this.abort?.(new CallerGone());
      return false;
    }
    headers.push("x-request-id", context.requestId, "x-rrc-code", "access-granted");
    pushPairs(headers, context.extraHeaders);
    response.writeHead(statusCode, headers);
    this.resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const chunks = this.chunks;
    if (chunks !== null) {
      this.size += chunk.length;
      if (this.size > this.limit) {
        this.abort?.(new TooLarge());
        return false;
      }
      chunks.push(chunk);
      return true;
    }
    const response = this.context.response;
    if (response.destroyed) {
      this.abort?.(new CallerGone());
      return false;
    }
    if (response.write(chunk)) return true;
    // The caller's socket is full: undici pauses the upstream until the caller drains, or stops it
    // if the caller goes away meanwhile (a paused request has no body timeout in undici).
    response.once("drain", this.onDrain);
    response.once("close", this.onCallerClosed);
    return false;
  }

  private readonly onDrain = (): void => {
    this.context.response.off("close", this.onCallerClosed);
    this.resume!();
  };

  private readonly onCallerClosed = (): void => {
    this.context.response.off("drain", this.onDrain);
    this.abort?.(new CallerGone());
  };

  onComplete(): void {
    if (this.chunks !== null) {
      const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      this.settle({
        kind: "collected",
        response: { statusCode: this.statusCode, headers: this.headers, body },
      });
      return;
    }
    this.context.response.end();
    this.settle(STREAMED);
  }

  onError(error: Error): void {
    // Mid-body failures too: the gateway's refusal then cuts the connection (sendProblem).
    this.settle({ kind: "failed", code: failureCode(error, this.context.response.destroyed) });
  }

  private settle(outcome: ForwardOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(outcome);
  }
}

function failureCode(error: Error, callerGone: boolean): ProblemCode {
  if (callerGone || error instanceof CallerGone) return "request-timeout";
  if (error instanceof TooLarge) return "response-too-large";
  const code = (error as { code?: string }).code ?? "";
  return TIMEOUTS.has(code) ? "upstream-timeout" : "upstream-unreachable";
}
