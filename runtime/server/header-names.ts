// Header names in lower case. Upstream response names arrive from undici as Buffers, request names
// from Node as strings; turning each into a fresh lower-case string costs an allocation, and each
// fresh string is hashed again by every Set look-up and property store after (about 1.7k
// instructions per request header in Node's headersDistinct, callgrind). Names most messages carry
// are matched in place (ASCII case folded) against fixed tables instead, and come back as shared,
// already hashed strings.

const COMMON_RESPONSE = [
  "accept-ranges",
  "access-control-allow-credentials",
  "access-control-allow-headers",
  "access-control-allow-methods",
  "access-control-allow-origin",
  "access-control-expose-headers",
  "age",
  "cache-control",
  "connection",
  "content-disposition",
  "content-encoding",
  "content-language",
  "content-length",
  "content-security-policy",
  "content-type",
  "date",
  "etag",
  "expires",
  "keep-alive",
  "last-modified",
  "link",
  "location",
  "pragma",
  "proxy-authenticate",
  "ratelimit",
  "ratelimit-policy",
  "referrer-policy",
  "retry-after",
  "server",
  "set-cookie",
  "strict-transport-security",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "vary",
  "via",
  "www-authenticate",
  "x-content-type-options",
  "x-frame-options",
  "x-powered-by",
  "x-request-id",
];

const COMMON_REQUEST = [
  "accept",
  "accept-encoding",
  "accept-language",
  "authorization",
  "cache-control",
  "connection",
  "content-length",
  "content-type",
  "cookie",
  "host",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "keep-alive",
  "origin",
  "referer",
  "te",
  "traceparent",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-api-key",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-request-id",
];

/** Names by length: a name is compared only with those of its own length. */
function byLength(names: readonly string[]): readonly (readonly string[])[] {
  const table: string[][] = [];
  for (const name of names) {
    const sameLength = table[name.length] ?? [];
    sameLength.push(name);
    table[name.length] = sameLength;
  }
  return table;
}

const RESPONSE_BY_LENGTH = byLength(COMMON_RESPONSE);
const REQUEST_BY_LENGTH = byLength(COMMON_REQUEST);

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const CASE_BIT = 0x20;

function foldCase(code: number): number {
  return code >= UPPER_A && code <= UPPER_Z ? code | CASE_BIT : code;
}

/** A response header name in lower case: a shared string for common names, a new one otherwise. */
export function lowerCaseHeaderName(raw: Buffer): string {
  const candidates = RESPONSE_BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (let index = 0; index < candidates.length; index++) {
      if (sameBytesIgnoringCase(raw, candidates[index]!)) return candidates[index]!;
    }
  }
  return raw.toString("latin1").toLowerCase();
}

/** A request header name in lower case: a shared string for common names, a new one otherwise. */
export function lowerCaseRequestHeaderName(raw: string): string {
  const candidates = REQUEST_BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (let index = 0; index < candidates.length; index++) {
      if (sameTextIgnoringCase(raw, candidates[index]!)) return candidates[index]!;
    }
  }
  return raw.toLowerCase();
}

/** `lower` is lower-case ASCII of the same length as `raw`. */
function sameBytesIgnoringCase(raw: Buffer, lower: string): boolean {
  for (let index = 0; index < raw.length; index++) {
    if (foldCase(raw[index]!) !== lower.charCodeAt(index)) return false;
  }
  return true;
}

/** `lower` is lower-case ASCII of the same length as `raw`. */
function sameTextIgnoringCase(raw: string, lower: string): boolean {
  for (let index = 0; index < raw.length; index++) {
    if (foldCase(raw.charCodeAt(index)) !== lower.charCodeAt(index)) return false;
  }
  return true;
}
