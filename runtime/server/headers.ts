// Which headers cross the gateway. Requests lose hop-by-hop headers (RFC 9110 §7.6.1),
// headers that make upstreams reinterpret the method or path, the caller's credential
// and anything the upstream credential owns; responses lose hop-by-hop headers.
import type { Buffer } from "node:buffer";
import { lowerCaseHeaderName } from "./header-names.ts";
import { headerValueText } from "./header-values.ts";
import { ownValues, type RequestHeaders } from "./request-headers.ts";

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** SPEC §5: these make some upstreams use another method or path than the one decided on. */
const REINTERPRETING = [
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-original-url",
  "x-rewrite-url",
];

const ALWAYS_DROPPED = new Set([...HOP_BY_HOP, ...REINTERPRETING, "host", "x-request-id", "x-forwarded-for"]);

export interface ForwardHeaderInput {
  /** Node's [name, value, …] as received. */
  readonly rawHeaders: readonly string[];
  /** The same, read by lower-case name (./request-headers.ts). */
  readonly headers: RequestHeaders;
  readonly requestId: string;
  readonly clientAddress: string;
  /** Lower-case names to drop: the caller's credential. */
  readonly drop: readonly string[];
  /** Lower-case names the upstream credential owns (dropped too). */
  readonly owned: readonly string[];
  /** Headers to set (lower-case names): upstream credential, and so on. */
  readonly set: readonly (readonly [string, string])[];
  /** When a response filter will run, ask for an uncompressed body (replacing the caller's Accept-Encoding). */
  readonly identityEncoding: boolean;
}

/**
 * Flat [name, value, …] list, as undici accepts, keeping repeated headers. The gateway's own headers
 * come first, so that a caller's filler headers cannot push them past the upstream's header count limit.
 */
export function forwardHeaders(input: ForwardHeaderInput): string[] {
  const raw = input.rawHeaders;
  const names = input.headers.names;
  const connection = ownValues(input.headers.byName, "connection");
  // One Connection line is the usual case: no joined copy of it.
  const connectionListed = listedInConnection(
    connection?.length === 1 ? connection[0] : connection?.join(","),
  );
  const out: string[] = [];
  pushPairs(out, input.set);
  out.push("x-request-id", input.requestId);
  // A filter reads the body: the caller's Accept-Encoding is replaced by identity. Without one, none is
  // sent (RFC 9110 §12.5.3 lets a server pick any coding then; servers compress only when asked, and a
  // gzip, deflate or br answer is decoded before filtering anyway).
  if (input.identityEncoding && ownValues(input.headers.byName, "accept-encoding") !== undefined) {
    out.push("accept-encoding", "identity");
  }
  const forwardedForAt = out.push("x-forwarded-for", "") - 1;
  let forwardedFor = "";
  for (let index = 0; index < raw.length; index += 2) {
    const name = names[index >> 1]!;
    const value = raw[index + 1]!;
    if (name === "x-forwarded-for") {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
      continue;
    }
    if (
      ALWAYS_DROPPED.has(name) ||
      connectionListed.has(name) ||
      input.drop.includes(name) ||
      input.owned.includes(name)
    )
      continue;
    if (input.identityEncoding && name === "accept-encoding") continue;
    // CGI-style servers (PHP-FPM, WSGI, Rack) read `x_tenant` as `x-tenant`: an alias for a header a rule
    // inspects, a method override or a rewrite header. Dropped, as nginx does by default.
    if (name.includes("_")) continue;
    out.push(name, value);
  }
  out[forwardedForAt] = forwardedFor ? `${forwardedFor}, ${input.clientAddress}` : input.clientAddress;
  return out;
}

/** Appends [name, value] pairs to a flat list (indexed: no iterator per pair on the hot path). */
export function pushPairs(out: string[], pairs: readonly (readonly [string, string])[]): void {
  for (let index = 0; index < pairs.length; index++) out.push(pairs[index]![0], pairs[index]![1]);
}

/** Whether the request says a body follows (a non-zero Content-Length, or Transfer-Encoding). */
export function declaresBody(headers: Readonly<Record<string, string[]>>): boolean {
  const length = ownValues(headers, "content-length")?.[0];
  return (length !== undefined && length !== "0") || ownValues(headers, "transfer-encoding") !== undefined;
}

const NOTHING_LISTED: ReadonlySet<string> = new Set();

function listedInConnection(value: string | undefined): ReadonlySet<string> {
  // The usual values name no header: answered without splitting a string per response.
  if (!value || value === "keep-alive" || value === "close") return NOTHING_LISTED;
  return new Set(
    value
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

const RESPONSE_DROPPED: ReadonlySet<string> = new Set([...HOP_BY_HOP]);

/**
 * Upstream response headers for the caller, from undici's raw [name, value, …] list: a flat list with
 * lower-case names (repeated headers stay repeated lines), minus hop-by-hop ones and any the
 * upstream's Connection header lists.
 */
export function responseHeaderList(raw: readonly (Buffer | string)[]): string[] {
  const out: string[] = [];
  let connection: string | null = null;
  for (let index = 0; index < raw.length; index += 2) {
    const rawName = raw[index]!;
    const rawValue = raw[index + 1]!;
    const name = typeof rawName === "string" ? rawName.toLowerCase() : lowerCaseHeaderName(rawName);
    const value = typeof rawValue === "string" ? rawValue : headerValueText(rawValue);
    if (name === "connection") connection = connection === null ? value : `${connection},${value}`;
    if (RESPONSE_DROPPED.has(name)) continue;
    out.push(name, value);
  }
  if (connection === null) return out;
  const listed = listedInConnection(connection);
  for (const name of listed) if (!RESPONSE_DROPPED.has(name)) return withoutNames(out, listed);
  return out;
}

/** A flat header list without the named headers. */
export function withoutNames(headers: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let index = 0; index < headers.length; index += 2) {
    if (!names.has(headers[index]!)) out.push(headers[index]!, headers[index + 1]!);
  }
  return out;
}

/** Values of a header in a flat, lower-case-named list. */
export function headerValues(headers: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index] === name) values.push(headers[index + 1]!);
  }
  return values;
}

/** Headers dropped when the gateway rewrites the body (filters). */
export const REWRITTEN_BODY_DROPPED = new Set([
  ...RESPONSE_DROPPED,
  "content-length",
  "content-encoding",
  "etag",
  "content-md5",
  "digest",
  "content-range",
  "accept-ranges",
]);
