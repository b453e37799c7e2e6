// Stage `filter` (and value-meter settlement): a collected 2xx response is parsed once, or, for a
// destroy-only plan, cut as text in one pass; value meters take their numbers from the upstream's
// document, then the compiled filter plan runs (SPEC §7). A response a filter cannot process is
// refused (422), never passed through; without a filter, the upstream's bytes are sent unchanged.
import { Buffer } from "node:buffer";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import type { FilterPlan } from "../filter/index.ts";
import type { RequestContext } from "./context.ts";
import type { CollectedResponse } from "./forward.ts";
import { headerValues, pushPairs, REWRITTEN_BODY_DROPPED, withoutNames } from "./headers.ts";
import type { ProblemCode } from "./problems.ts";

export function sendCollected(
  context: RequestContext,
  plan: FilterPlan | null,
  upstream: CollectedResponse,
): ProblemCode | null {
  const text = jsonText(upstream);
  const admission = context.admission;
  // A destroy-only plan cuts the text itself unless a value meter needs the document.
  if (text !== NOT_JSON && plan?.applyToText && admission?.needsResponse !== true) {
    const body = plan.applyToText(text);
    if (body !== undefined) {
      send(context, upstream, body, "latin1");
      return null;
    }
  }
  const document = text === NOT_JSON ? NOT_JSON : parse(text.toString("utf8"));
  if (document !== NOT_JSON) void admission?.settle(document);
  if (plan === null) {
    send(context, upstream, upstream.body, null);
    return null;
  }
  if (document === NOT_JSON) return "filter-not-json";
  const body = JSON.stringify(plan.apply(document)) ?? "null";
  send(context, upstream, body, "utf8");
  return null;
}

/**
 * `encoding`: how a rewritten body is written (null: the upstream's bytes, unchanged). A binary string
 * from the text pass goes as latin1, one byte per character, so its length is its Content-Length.
 */
function send(
  context: RequestContext,
  upstream: CollectedResponse,
  body: string | Buffer,
  encoding: "utf8" | "latin1" | null,
): void {
  const headers =
    encoding === null ? upstream.headers : withoutNames(upstream.headers, REWRITTEN_BODY_DROPPED);
  if (encoding !== null) {
    const length = encoding === "latin1" ? body.length : Buffer.byteLength(body);
    headers.push("content-length", String(length));
  }
  headers.push("x-request-id", context.requestId, "x-rrc-code", "access-granted");
  pushPairs(headers, context.extraHeaders);
  context.response.writeHead(upstream.statusCode, headers);
  if (typeof body === "string") context.response.end(body, encoding ?? "utf8");
  else context.response.end(body);
}

const NOT_JSON = Symbol("not-json");

/** The JSON text of a response, decompressed; NOT_JSON for another content type or an undecodable body. */
function jsonText(upstream: CollectedResponse): Buffer | typeof NOT_JSON {
  const types = headerValues(upstream.headers, "content-type");
  // Two Content-Type lines leave it to the caller which one counts: not JSON for a filter.
  if (types.length !== 1 || !isJson(types[0]!)) return NOT_JSON;
  const encodings = headerValues(upstream.headers, "content-encoding");
  if (encodings.length > 1) return NOT_JSON;
  try {
    return decode(upstream.body, encodings[0]);
  } catch {
    return NOT_JSON;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function isJson(contentType: string): boolean {
  if (contentType === "application/json") return true;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === "identity") return body;
  if (encoding === "gzip" || encoding === "x-gzip") return gunzipSync(body);
  if (encoding === "deflate") return inflateSync(body);
  if (encoding === "br") return brotliDecompressSync(body);
  throw new Error("unsupported content-encoding");
}
