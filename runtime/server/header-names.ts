// Header names in lower case. Upstream response names arrive from undici as Buffers, request names
// from Node as strings; turning each into a fresh lower-case string costs an allocation, and each
// fresh string is hashed again by every Set look-up and property store after (about 1.7k
// instructions per request header in Node's headersDistinct, callgrind). Names most messages carry
// are matched in place (ASCII case folded) against fixed tables instead, and come back as shared,
// already hashed strings.
import { Buffer } from "node:buffer";
import { Ascii, AsciiBit } from "../ascii.ts";

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

/** A common name: the shared string, and its bytes, which the comparisons read. */
interface CommonName {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Names by length: a name is compared only with those of its own length. Candidates are compared as
 * bytes: a typed array's byte loads in a few instructions, a string's charCodeAt in tens (callgrind).
 */
function byLength(names: readonly string[]): readonly (readonly CommonName[] | undefined)[] {
  const table: CommonName[][] = [];
  for (const name of names) {
    const sameLength = table[name.length] ?? [];
    sameLength.push({ name, bytes: Buffer.from(name, "latin1") });
    table[name.length] = sameLength;
  }
  return table;
}

const RESPONSE_BY_LENGTH = byLength(COMMON_RESPONSE);
const REQUEST_BY_LENGTH = byLength(COMMON_REQUEST);

function foldCase(code: number): number {
  return code >= Ascii.UpperA && code <= Ascii.UpperZ ? code | AsciiBit.Case : code;
}

/** A response header name in lower case: a shared string for common names, a new one otherwise. */
export function lowerCaseHeaderName(raw: Buffer): string {
  const candidates = RESPONSE_BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (sameBytesIgnoringCase(raw, candidate.bytes)) return candidate.name;
    }
  }
  return raw.toString("latin1").toLowerCase();
}

/** A request header name in lower case: a shared string for common names, a new one otherwise. */
export function lowerCaseRequestHeaderName(raw: string): string {
  const candidates = REQUEST_BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      if (sameTextIgnoringCase(raw, candidate.bytes)) return candidate.name;
    }
  }
  return raw.toLowerCase();
}

/** `lower` is lower-case ASCII of the same length as `raw`. */
function sameBytesIgnoringCase(raw: Uint8Array, lower: Uint8Array): boolean {
  const length = lower.length;
  const whole = length & ~3;
  let index = 0;
  // Four bytes a round: TurboFan checks both arrays' maps and bounds once per loop iteration.
  for (; index < whole; index += 4) {
    if (
      foldCase(raw[index]!) !== lower[index] ||
      foldCase(raw[index + 1]!) !== lower[index + 1] ||
      foldCase(raw[index + 2]!) !== lower[index + 2] ||
      foldCase(raw[index + 3]!) !== lower[index + 3]
    )
      return false;
  }
  for (; index < length; index++) if (foldCase(raw[index]!) !== lower[index]) return false;
  return true;
}

/** `lower` is lower-case ASCII of the same length as `raw`. */
function sameTextIgnoringCase(raw: string, lower: Uint8Array): boolean {
  for (let index = 0; index < lower.length; index++) {
    if (foldCase(raw.charCodeAt(index)) !== lower[index]) return false;
  }
  return true;
}
