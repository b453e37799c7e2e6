// A sound, syntactic disjointness test for path regexes: two patterns anchored with `^`
// whose literal prefixes differ can never match the same path (`^/api/users` and
// `^/api/admin`). Anything it cannot read returns "maybe overlapping".
import type { Pattern } from "./access.ts";

const META = new Set([..."\\.[]()*+?{}|^$"]);
const QUANTIFIERS = new Set(["*", "?", "{", "+"]);

export function disjoint(a: Pattern, b: Pattern): boolean {
  let left = literalPrefix(a.source);
  let right = literalPrefix(b.source);
  if (left === null || right === null) return false;
  if (a.ignoreCase || b.ignoreCase) {
    // Case folding beyond ASCII (the Kelvin sign folds to `k`) is left undecided.
    if (!isAscii(left) || !isAscii(right)) return false;
    left = left.toLowerCase();
    right = right.toLowerCase();
  }
  const length = Math.min(left.length, right.length);
  return left.slice(0, length) !== right.slice(0, length);
}

/** The text every match must start with, or null when the pattern is not simply anchored. */
export function literalPrefix(source: string): string | null {
  if (!source.startsWith("^") || hasTopLevelAlternation(source)) return null;
  const chars = [...source.slice(1)];
  const literal: string[] = [];
  for (let index = 0; index < chars.length; index++) {
    let char = chars[index]!;
    if (char === "\\") {
      const next = chars[index + 1];
      // Only escaped punctuation is a literal; `\d`, `\x41`, `\Q` and the like end the prefix.
      if (next === undefined || /[\p{L}\p{N}\s]/u.test(next)) break;
      char = next;
      index++;
    } else if (META.has(char)) {
      break;
    }
    // A quantified character may be absent or repeated: it ends the prefix, unseen.
    if (QUANTIFIERS.has(chars[index + 1] ?? "")) break;
    literal.push(char);
  }
  return literal.join("");
}

/** `^a|b` anchors only its first branch. */
function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    if (char === "\\") {
      index++;
    } else if (inClass) {
      if (char === "]") inClass = false;
    } else if (char === "[") {
      inClass = true;
      // A `]` (after an optional `^`) first in a class is literal.
      if (source[index + 1] === "^") index++;
      if (source[index + 1] === "]") index++;
    } else if (char === "(") {
      depth++;
    } else if (char === ")") {
      depth--;
    } else if (char === "|" && depth === 0) {
      return true;
    }
  }
  return false;
}

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}
