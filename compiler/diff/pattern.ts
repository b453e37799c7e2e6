// A path language written back as an RE2-style pattern, to summarise which paths flip.
// refa turns the automaton into a regex tree; this prints it with `^`/`$` for the path
// markers, `.` for "any character" and a trailing `.*$` dropped (search semantics). Long
// results are not useful in a review: past MAX_LENGTH the caller shows examples only.
import type { CharSet, Concatenation, Element, NoParent } from "refa";
import { bounded, type Language, LanguageTooLarge } from "../analyze/language.ts";
import { MARK_END, MARK_START } from "../analyze/regex-parse.ts";

const MAX_LENGTH = 160;
const SPECIAL = new Set([..."\\.+*?()|[]{}^$"]);

export function describePaths(language: Language): string | null {
  if (language.isEmpty) return null;
  let text: string;
  try {
    const ast = bounded(() => language.toRegex({ maxNodes: 2000 }));
    text = alternatives(ast.alternatives, true);
  } catch (error) {
    if (error instanceof LanguageTooLarge) return null;
    throw error;
  }
  text = text.replace(/\.\*\$$/, "");
  if (text === "^") return ".*";
  return text.length > MAX_LENGTH ? null : text;
}

function alternatives(list: readonly NoParent<Concatenation>[], top = false): string {
  const parts = list.map((concatenation) => concatenation.elements.map(element).join(""));
  if (parts.length === 1) return parts[0]!;
  return top ? parts.join("|") : `(${parts.join("|")})`;
}

function element(node: NoParent<Element>): string {
  switch (node.type) {
    case "CharacterClass":
      return charSet(node.characters);
    case "Alternation":
      return alternatives(node.alternatives);
    case "Quantifier": {
      const inner = alternatives(node.alternatives);
      const atom = isAtom(inner) ? inner : `(${inner.replace(/^\((.*)\)$/, "$1")})`;
      return atom + quantifier(node.min, node.max);
    }
    default:
      return "";
  }
}

function isAtom(text: string): boolean {
  return /^(\\.|.|\[[^\]]*\]|\((?:[^()]|\([^()]*\))*\))$/u.test(text);
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === Number.POSITIVE_INFINITY) return "*";
  if (min === 1 && max === Number.POSITIVE_INFINITY) return "+";
  if (min === 0 && max === 1) return "?";
  if (max === Number.POSITIVE_INFINITY) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

/** Printable ASCII: everything a canonical path is made of. */
const PRINTABLE = { min: 0x21, max: 0x7e };

function charSet(set: CharSet): string {
  if (set.has(MARK_START)) return "^";
  if (set.has(MARK_END)) return "$";
  const text = set.intersect(PRINTABLE);
  if (text.size === PRINTABLE.max - PRINTABLE.min + 1) return ".";
  const missing = set.negate().intersect(PRINTABLE);
  if (text.size === 1) return escapeChar(text.ranges[0]!.min, false);
  return missing.size < text.size ? `[^${ranges(missing)}]` : `[${ranges(text)}]`;
}

function ranges(set: CharSet): string {
  return set.ranges
    .map((range) =>
      range.max - range.min > 2
        ? `${escapeChar(range.min, true)}-${escapeChar(range.max, true)}`
        : Array.from({ length: range.max - range.min + 1 }, (_, at) => escapeChar(range.min + at, true)).join(
            "",
          ),
    )
    .join("");
}

function escapeChar(code: number, inClass: boolean): string {
  const ch = String.fromCharCode(code);
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (inClass) return "\\]-^[".includes(ch) ? `\\${ch}` : ch;
  return SPECIAL.has(ch) ? `\\${ch}` : ch;
}
