// Every response the gateway itself produces (SPEC §12): application/problem+json
// (RFC 9457) with a stable `code`, and `x-request-id` / `x-rrc-code` headers.
import { Buffer } from "node:buffer";
import type { ServerResponse } from "node:http";

export const PROBLEMS = {
  "unknown-proxy": { status: 404, title: "unknown proxy" },
  unauthenticated: { status: 401, title: "authentication required" },
  "auth-unavailable": { status: 503, title: "credential verification unavailable" },
  "credential-not-accepted": { status: 403, title: "credential not accepted by this proxy" },
  "rule-denied": { status: 403, title: "denied by rule" },
  "default-denied": { status: 403, title: "denied by default" },
  "non-canonical-request": { status: 400, title: "request is not in canonical form" },
  "ambiguous-request": { status: 400, title: "request is ambiguous" },
  "body-not-inspectable": { status: 400, title: "request body cannot be inspected" },
  "body-too-large": { status: 413, title: "request body too large to inspect" },
  "rate-limited": { status: 429, title: "rate limit exceeded" },
  "filter-not-json": { status: 422, title: "response cannot be filtered" },
  "response-too-large": { status: 413, title: "response too large to filter" },
  "meter-store-unavailable": { status: 503, title: "meter store unavailable" },
  "upstream-unreachable": { status: 502, title: "upstream unreachable" },
  "upstream-auth-unavailable": { status: 502, title: "upstream credential unavailable" },
  "upstream-timeout": { status: 504, title: "upstream timed out" },
  "request-timeout": { status: 408, title: "request timed out" },
  "internal-error": { status: 500, title: "internal error" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemDetails {
  readonly scope?: string | null;
  readonly rule?: string | null;
  readonly detail?: string;
}

export function problemBody(code: ProblemCode, requestId: string, details: ProblemDetails = {}): string {
  const { status, title } = PROBLEMS[code];
  const body: Record<string, unknown> = {
    type: `https://rrc.dev/problems/${code}`,
    title,
    status,
    code,
    requestId,
  };
  if (details.detail) body.detail = details.detail;
  if (details.scope) body.scope = details.scope;
  if (details.rule) body.rule = details.rule;
  return JSON.stringify(body);
}

/** Sends a problem unless headers already went out (then the connection is cut). */
export function sendProblem(
  res: ServerResponse,
  code: ProblemCode,
  requestId: string,
  details: ProblemDetails = {},
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(code, requestId, details);
  res.writeHead(PROBLEMS[code].status, {
    ...extraHeaders,
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-request-id": requestId,
    "x-rrc-code": code,
  });
  res.end(body);
}
