// How a policy pattern (RE2 syntax, search semantics, optional `i` flag) is handed to
// node-re2, both as one RE2 object (reference interpreter) and as one member of an RE2.Set
// (gateway). See check.ts for what node-re2 1.27.1 does with flags and syntax.
//
// - Flags: node-re2 always works on UTF-8 and code points; its `u` flag changes nothing but
//   silences a deprecation notice (printed only if RE2.unicodeWarningLevel is raised), so
//   we always pass it. A set has one set of flags for all its patterns, so case-insensitive
//   patterns carry an inline `(?i)` prefix and the set is built with flags "u". A prefix
//   (not `(?i:...)`) keeps a pattern with a stray `)` invalid instead of silently balancing it.
// - Search: RE2.Set's default anchor is "unanchored", the same as RE2#test.
// - Normalisation: node-re2 rewrites patterns lexically before RE2 sees them, and that
//   rewrite does not know about `\Q...\E`: a `/` inside becomes `\/` (so `\Q/\E` matches
//   only the text `\/`), `\u0041` becomes `\x{0041}`, `(?<` becomes `(?P<`. Its class
//   tracking also ends a class at a leading `]` (`[]a]`). We therefore spell out `\Q...\E`
//   as individually escaped characters and a leading `]` as `\]` before handing the
//   pattern over; for RE2 these spellings mean exactly the same.

import RE2 from "re2";
import { scanRegex } from "./scan.ts";

/** Flags to build every RE2.Set with; case-insensitivity is per pattern, via `(?i)`. */
export const SET_FLAGS = "u";

const QUOTE_ESCAPED = new Set([
  "\\",
  ".",
  "+",
  "*",
  "?",
  "(",
  ")",
  "|",
  "[",
  "]",
  "{",
  "}",
  "^",
  "$",
  "/",
  "-",
]);

/** The pattern as node-re2 should receive it so that RE2 reads what the author wrote. */
export function normalizeForNodeRe2(source: string): string {
  let out = "";
  for (const token of scanRegex(source)) {
    if (token.kind === "quote") {
      for (const ch of token.body) out += QUOTE_ESCAPED.has(ch) ? "\\" + ch : ch;
    } else if (token.kind === "class-leading-bracket") {
      out += "\\]";
    } else {
      out += source.slice(token.offset, token.offset + token.length);
    }
  }
  return out;
}

/** The string to put into an RE2.Set (built with `SET_FLAGS`) for this pattern. */
export function toSetPattern(source: string, ignoreCase: boolean): string {
  return (ignoreCase ? "(?i)" : "") + normalizeForNodeRe2(source);
}

/** The single RE2 object for this pattern; `.test(subject)` agrees with the set member. */
export function compileSingle(source: string, ignoreCase: boolean): RE2 {
  return new RE2(normalizeForNodeRe2(source), ignoreCase ? "iu" : "u");
}

export interface SetPatternInput {
  readonly source: string;
  readonly ignoreCase: boolean;
}

export type RE2Set = InstanceType<typeof RE2.Set>;

/** An unanchored RE2.Set whose `match()` returns the indexes of the matching patterns. */
export function compileSet(patterns: readonly SetPatternInput[]): RE2Set {
  return new RE2.Set(
    patterns.map((p) => toSetPattern(p.source, p.ignoreCase)),
    SET_FLAGS,
    { anchor: "unanchored" },
  );
}
