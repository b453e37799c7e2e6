// Stage `filter` (and value-meter settlement): a collected 2xx response is parsed once;
// value meters take their numbers from the upstream's document, then the compiled filter
// plan runs (SPEC §7). A response a filter cannot process is refused (422), never passed
// through; without a filter, the upstream's bytes are sent unchanged.
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import type { FilterPlan } from "../filter/index.ts";
import type { RequestContext } from "./context.ts";
import type { CollectedResponse } from "./forward.ts";
import { REWRITTEN_BODY_DROPPED, responseHeaders } from "./headers.ts";
import type { ProblemCode } from "./problems.ts";

export function sendCollected(
  context: RequestContext,
  plan: FilterPlan | null,
  upstream: CollectedResponse,
): ProblemCode | null {
  const document = parseJson(upstream);
  if (document !== NOT_JSON) void context.admission?.settle(document);
  if (plan === null) {
    send(context, upstream, upstream.body, false);
    return null;
  }
  if (document === NOT_JSON) return "filter-not-json";
  const body = JSON.stringify(plan.apply(document)) ?? "null";
  send(context, upstream, body, true);
  return null;
}

function send(
  context: RequestContext,
  upstream: CollectedResponse,
  body: string | Buffer,
  rewritten: boolean,
): void {
  const headers = responseHeaders(upstream.headers, rewritten ? REWRITTEN_BODY_DROPPED : undefined);
  if (rewritten) headers["content-length"] = String(Buffer.byteLength(body));
  headers["x-request-id"] = context.requestId;
  headers["x-rrc-code"] = "access-granted";
  for (const [name, value] of context.extraHeaders) headers[name] = value;
  context.response.writeHead(upstream.statusCode, headers);
  context.response.end(body);
}

const NOT_JSON = Symbol("not-json");

function parseJson(upstream: CollectedResponse): unknown {
  if (!isJson(upstream.headers["content-type"])) return NOT_JSON;
  try {
    return JSON.parse(decode(upstream.body, upstream.headers["content-encoding"]).toString("utf8"));
  } catch {
    return NOT_JSON;
  }
}

function isJson(contentType: string | string[] | undefined): boolean {
  if (typeof contentType !== "string") return false;
  if (contentType === "application/json") return true;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

function decode(body: Buffer, encoding: string | string[] | undefined): Buffer {
  if (encoding === undefined || encoding === "identity") return body;
  if (encoding === "gzip" || encoding === "x-gzip") return gunzipSync(body);
  if (encoding === "deflate") return inflateSync(body);
  if (encoding === "br") return brotliDecompressSync(body);
  throw new Error("unsupported content-encoding");
}
