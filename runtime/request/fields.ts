// Field lookups for header and query rules (SPEC §4). Only own keys are read (Object.keys / Object.hasOwn),
// so a request can never appear to carry `constructor` or `__proto__` inherited from Object.prototype.

export type FieldMap = Readonly<Record<string, string | readonly string[]>>;

/**
 * Pushes every value of the header `lowerName` (which must be lowercase). Names are case-insensitive
 * (RFC 9110 §5.1), so values under differently-cased keys are all collected: the caller counts them to
 * detect ambiguity (SPEC §5).
 */
export function collectHeader(headers: FieldMap, lowerName: string, out: string[]): void {
  for (const key of Object.keys(headers)) {
    if (key === lowerName || asciiLowerEquals(key, lowerName)) push(headers[key]!, out);
  }
}

// ASCII-only folding: String#toLowerCase would also fold e.g. U+212A (Kelvin sign) to "k", matching a
// header that no HTTP implementation treats as the same name, and it allocates.
function asciiLowerEquals(key: string, lowerName: string): boolean {
  if (key.length !== lowerName.length) return false;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/** Pushes every value of the query parameter `name`; query names are case-sensitive. */
export function collectQuery(query: FieldMap, name: string, out: string[]): void {
  if (Object.hasOwn(query, name)) push(query[name]!, out);
}

function push(value: string | readonly string[], out: string[]): void {
  if (typeof value === "string") out.push(value);
  else for (const v of value) out.push(v);
}
