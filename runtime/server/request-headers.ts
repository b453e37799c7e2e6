// The request's header fields by lower-case name, every value kept in order: what Node's
// `headersDistinct` holds, built here instead. Node lower-cases every name into a fresh string,
// which each property store and Set look-up after must then look up in V8's string table (about
// 1.7k instructions per header line, callgrind); names most requests carry are matched in place
// against a fixed table and come back as shared, already interned strings.

/** Names matched in place; any other name is lower-cased. */
const COMMON = [
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

/** Common names by length: a name is compared only with those of its own length. */
const BY_LENGTH: string[][] = [];
for (const name of COMMON) {
  const sameLength = BY_LENGTH[name.length] ?? [];
  sameLength.push(name);
  BY_LENGTH[name.length] = sameLength;
}

export interface RequestHeaders {
  /** Lower-case name → its values in order; own properties only are ever read. */
  readonly byName: Record<string, string[]>;
  /** The lower-case name of each header line, in the order of `rawHeaders` (line i: names[i]). */
  readonly names: readonly string[];
}

export const NO_REQUEST_HEADERS: RequestHeaders = Object.freeze({ byName: Object.freeze({}), names: [] });

/** From Node's `rawHeaders` ([name, value, …] as received). */
export function readRequestHeaders(raw: readonly string[]): RequestHeaders {
  const byName: Record<string, string[]> = {};
  const names: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = lowerCaseName(raw[index]!);
    names.push(name);
    const values = Object.hasOwn(byName, name) ? byName[name] : undefined;
    if (values !== undefined) values.push(raw[index + 1]!);
    // "__proto__" would set the object's prototype through plain assignment.
    else if (name === "__proto__") defineOwn(byName, name, [raw[index + 1]!]);
    else byName[name] = [raw[index + 1]!];
  }
  return { byName, names };
}

/** The values of a lower-case name; undefined when absent (never an inherited property). */
export function ownValues(headers: Readonly<Record<string, string[]>>, name: string): string[] | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

function lowerCaseName(raw: string): string {
  const candidates = BY_LENGTH[raw.length];
  if (candidates !== undefined) {
    for (let index = 0; index < candidates.length; index++) {
      if (sameIgnoringCase(raw, candidates[index]!)) return candidates[index]!;
    }
  }
  return raw.toLowerCase();
}

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const CASE_BIT = 0x20;

/** `lower` is lower-case ASCII of the same length as `raw`. */
function sameIgnoringCase(raw: string, lower: string): boolean {
  for (let index = 0; index < raw.length; index++) {
    let code = raw.charCodeAt(index);
    if (code >= UPPER_A && code <= UPPER_Z) code |= CASE_BIT;
    if (code !== lower.charCodeAt(index)) return false;
  }
  return true;
}

function defineOwn(target: Record<string, string[]>, name: string, values: string[]): void {
  Object.defineProperty(target, name, {
    value: values,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
