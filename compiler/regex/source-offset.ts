// Maps a position in a decoded JSON string value back to the raw string literal, so that a
// diagnostic about a regex can point at the exact character inside the JSON file.

/**
 * `rawLiteral` is the literal as it appears in the file, quotes included (`"^\\d+\u0041$"`);
 * `valueOffset` is an index (UTF-16 code units) into the decoded value. Returns the index in
 * `rawLiteral` where the text for that decoded code unit starts: the backslash of an escape,
 * or the character itself. Each `\uXXXX` is one code unit, so the two halves of a surrogate
 * pair written as two escapes map to their own escapes. Offsets at or past the end of the
 * value map to the closing quote (or the end of the text when it has none); negative ones
 * to the first character of the value.
 */
export function rawOffsetInJsonString(rawLiteral: string, valueOffset: number): number {
  let raw = rawLiteral.startsWith('"') ? 1 : 0;
  let decoded = 0;
  const target = Math.max(0, valueOffset);
  while (raw < rawLiteral.length) {
    const ch = rawLiteral[raw];
    if (ch === '"') break; // the closing quote
    if (decoded >= target) return raw;
    if (ch === "\\") {
      raw += rawLiteral[raw + 1] === "u" ? 6 : 2;
    } else {
      raw += 1;
    }
    decoded += 1;
  }
  return Math.min(raw, rawLiteral.length);
}
