// Stage `authorize`: the bundle's decision module decides (SPEC §4–§5). The body is read
// only when a rule that could apply needs it: the first decision is made with the body
// pending, and only a `body-required` answer makes the gateway read it (bounded) and
// decide again.
import type { IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import type { Decision } from "../decision/types.ts";
import { PENDING_BODY } from "../decision/types.ts";
import type { RequestContext } from "./context.ts";
import { declaresBody } from "./headers.ts";
import { ownValues } from "./request-headers.ts";

export type BodyRead = { ok: true; body: Buffer } | { ok: false; tooLarge: boolean };

/** Synchronous unless the body must be read first. */
export function authorize(context: RequestContext): Decision | Promise<Decision> {
  const proxy = context.proxy!;
  const request = {
    proxy: proxy.id,
    credential: context.credential!,
    method: context.request.method ?? "",
    path: context.rest,
    headers: context.headers.byName,
    query: context.query,
    body: PENDING_BODY as unknown,
    claims: context.claims,
  };
  const started = performance.now();
  const decision = context.state.decider.decide(request);
  context.decisionUs = (performance.now() - started) * 1000;
  if (decision.code !== "body-required") return decision;
  const mediaType = bodyMediaType(context.headers.byName);
  if (mediaType !== JSON_BODY) return mediaType;
  const declared = Number(ownValues(context.headers.byName, "content-length")?.[0]);
  return readBody(context.request, proxy.bodyLimit, declared).then((read) => {
    if (!read.ok) return read.tooLarge ? TOO_LARGE : BODY_UNREADABLE;
    context.body = read.body;
    request.body = read.body;
    const again = performance.now();
    const second = context.state.decider.decide(request);
    context.decisionUs += (performance.now() - again) * 1000;
    return second;
  });
}

const TOO_LARGE: Decision = Object.freeze({
  verdict: "deny",
  status: 413,
  code: "body-too-large",
  scope: null,
  rule: null,
});
const BODY_UNREADABLE: Decision = Object.freeze({
  verdict: "deny",
  status: 400,
  code: "body-not-inspectable",
  scope: null,
  rule: null,
});

const JSON_BODY = null;

/**
 * A body rule reads the body as JSON, so the upstream must too: a body declared as a form (or anything
 * but JSON) could be read as fields the rules never saw (`{"x":"&amount=99999"}` as a form has an
 * `amount`), and two Content-Type lines leave it to the upstream which one counts. No Content-Type
 * is accepted (nothing tells the upstream to read another format).
 */
function bodyMediaType(headers: Readonly<Record<string, string[]>>): Decision | typeof JSON_BODY {
  const types = ownValues(headers, "content-type");
  if (types === undefined || !declaresBody(headers)) return JSON_BODY;
  if (types.length > 1) return AMBIGUOUS_TYPE;
  const type = types[0]!.split(";")[0]!.trim().toLowerCase();
  const json = type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
  return json ? JSON_BODY : BODY_UNREADABLE;
}

const AMBIGUOUS_TYPE: Decision = Object.freeze({
  verdict: "deny",
  status: 400,
  code: "ambiguous-request",
  scope: null,
  rule: null,
});

/**
 * Reads at most `limit` bytes; one byte more means too large (the rest is not read). `declared`: the
 * Content-Length (NaN when absent), refused at once when over the limit.
 */
export function readBody(request: IncomingMessage, limit: number, declared: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    if (Number.isFinite(declared) && declared > limit) {
      resolve({ ok: false, tooLarge: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        finish({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, tooLarge: false });
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
  });
}
