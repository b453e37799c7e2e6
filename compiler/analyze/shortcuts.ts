// Cheap facts about a parsed pattern that spare building its automaton: the literal prefix
// every match starts with (to group rules), and one canonical path it matches (to know the
// rule can match something). Most rules in a large policy need nothing more.
import { canonicalizePath } from "../../runtime/request/canonical-path.ts";
import { compileSingle } from "../regex/set-pattern.ts";
import { anchored } from "./language.ts";
import type { PatternNode } from "./regex-parse.ts";

/** The lower-cased literal text right after `^` that every alternative shares; "" if none. */
export function literalPrefix(root: PatternNode): string {
  if (!anchored(root, "start") || root.kind !== "alt") return "";
  const prefixes = root.alternatives.map((sequence) => {
    let text = "";
    if (sequence[0]?.kind !== "start") return text;
    for (const element of sequence.slice(1)) {
      const ch = element.kind === "set" ? caseless(element.chars.ranges) : null;
      if (ch === null) break;
      text += ch;
    }
    return text;
  });
  return prefixes.reduce((common, text) => {
    let length = 0;
    while (length < common.length && common[length] === text[length]) length++;
    return common.slice(0, length);
  });
}

/** The one character (either case of one letter) a set holds, lower-cased; else null. */
function caseless(ranges: readonly { min: number; max: number }[]): string | null {
  const chars: number[] = [];
  for (const range of ranges) {
    for (let c = range.min; c <= range.max && chars.length <= 2; c++) chars.push(c);
  }
  const [a, b] = chars.map((c) => String.fromCharCode(c).toLowerCase());
  if (a === undefined || chars.length > 2 || (b !== undefined && a !== b)) return null;
  return a;
}

const MAX_SPELLED = 4096;

/** Characters tried first when making up a path: ones every canonical path may hold. */
const PREFERRED = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-_~.";

/** A canonical path the pattern matches, found by taking each construct's simplest form. */
export function provenPath(source: string, ignoreCase: boolean, root: PatternNode): string | null {
  const text = spell(root);
  if (text === null) return null;
  const path = anchored(root, "start") ? text : `/${text}`;
  const canonical = canonicalizePath(path, { allowPathParameters: true, allowDoubleEncoding: true });
  if (!canonical.ok || canonical.path !== path) return null;
  try {
    return compileSingle(source, ignoreCase).test(path) ? path : null;
  } catch {
    return null;
  }
}

function spell(node: PatternNode): string | null {
  switch (node.kind) {
    case "start":
    case "end":
      return "";
    case "set": {
      for (const ch of PREFERRED) if (node.chars.has(ch.charCodeAt(0))) return ch;
      return null;
    }
    case "repeat": {
      const one = spell(node.body);
      // Nested counts multiply; a path this long is not worth making up.
      return one === null || one.length * node.min > MAX_SPELLED ? null : one.repeat(node.min);
    }
    case "alt":
      for (const sequence of node.alternatives) {
        const parts = sequence.map(spell);
        if (parts.every((part) => part !== null)) return parts.join("");
      }
      return null;
  }
}
