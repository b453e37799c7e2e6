// Upstream response header names arrive from undici as Buffers. Turning each into a string and
// lower-casing it makes two fresh strings per header, and each fresh string is hashed again by
// every Set look-up after. Names most responses carry are matched byte by byte (ASCII case
// folded) against a fixed table instead, and come back as shared, already hashed strings.

const COMMON = [
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

/** Common names by length: a name is compared only with those of its own length. */
const BY_LENGTH: string[][] = [];
for (const name of COMMON) {
  const sameLength = BY_LENGTH[name.length] ?? [];
  sameLength.push(name);
  BY_LENGTH[name.length] = sameLength;
}

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const CASE_BIT = 0x20;

/** The header name in lower case: a shared string for common names, a new one otherwise. */
export function lowerCaseHeaderName(raw: Buffer): string {
  const candidates = BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (let index = 0; index < candidates.length; index++) {
      if (sameIgnoringCase(raw, candidates[index]!)) return candidates[index]!;
    }
  }
  return raw.toString("latin1").toLowerCase();
}

/** `lower` is lower-case ASCII of the same length as `raw`. */
function sameIgnoringCase(raw: Buffer, lower: string): boolean {
  for (let index = 0; index < raw.length; index++) {
    let byte = raw[index]!;
    if (byte >= UPPER_A && byte <= UPPER_Z) byte |= CASE_BIT;
    if (byte !== lower.charCodeAt(index)) return false;
  }
  return true;
}
