// Stage `filter`: a collected 2xx response runs through the compiled filter plan (SPEC
// §7). Anything that cannot be filtered is refused (422), never passed through.
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import type { FilterPlan } from "../filter/index.ts";
import type { RequestContext } from "./context.ts";
import type { CollectedResponse } from "./forward.ts";
import { REWRITTEN_BODY_DROPPED, responseHeaders } from "./headers.ts";
import type { ProblemCode } from "./problems.ts";

export function sendFiltered(
  context: RequestContext,
  plan: FilterPlan,
  upstream: CollectedResponse,
): ProblemCode | null {
  if (!isJson(upstream.headers["content-type"])) return "filter-not-json";
  let text: string;
  try {
    text = decode(upstream.body, upstream.headers["content-encoding"]).toString("utf8");
  } catch {
    return "filter-not-json";
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return "filter-not-json";
  }
  const body = JSON.stringify(plan.apply(document)) ?? "null";
  const headers = responseHeaders(upstream.headers, REWRITTEN_BODY_DROPPED);
  headers["content-length"] = String(Buffer.byteLength(body));
  headers["x-request-id"] = context.requestId;
  headers["x-rrc-code"] = "access-granted";
  context.response.writeHead(upstream.statusCode, headers);
  context.response.end(body);
  return null;
}

function isJson(contentType: string | string[] | undefined): boolean {
  if (typeof contentType !== "string") return false;
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
