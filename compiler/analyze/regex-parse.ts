// RE2 pattern → a small tree of character sets, anchors, alternations and repetitions,
// ready to become a refa automaton. Canonical paths are ASCII (SPEC §5: everything else is
// percent-encoded), so every atom is reduced to the ASCII characters it matches, and that
// reduction is asked of RE2 itself: each distinct atom is compiled once and tried on the
// 128 ASCII characters. Case folding, `\pL`, POSIX classes and `.` therefore mean exactly
// what they mean to the gateway, with no Unicode tables of our own.
//
// What is not modelled is refused (the rule's analysis is skipped, never guessed): word
// boundaries, backreferences, lookaround, and anchors away from the edges of the pattern
// (`^` must begin and `$` end every path through the pattern that uses it, so that one
// marker character can stand for each; see language.ts).

import { CharSet } from "refa";
import { scanRegex, type Token } from "../regex/scan.ts";
import { compileSingle } from "../regex/set-pattern.ts";

/** Characters 0..127 are path text; two markers frame the path (see language.ts). */
export const MARK_START = 0x80;
export const MARK_END = 0x81;
export const MAX_CHAR = 0x81;

export type PatternNode =
  | { readonly kind: "set"; readonly chars: CharSet }
  | { readonly kind: "start" }
  | { readonly kind: "end" }
  | { readonly kind: "alt"; readonly alternatives: readonly (readonly PatternNode[])[] }
  | { readonly kind: "repeat"; readonly body: PatternNode; readonly min: number; readonly max: number };

export type ParseResult =
  | { readonly ok: true; readonly root: PatternNode }
  | { readonly ok: false; readonly reason: string; readonly offset: number };

interface Flags {
  readonly i: boolean;
  readonly s: boolean;
}

class Unsupported extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

const projections = new Map<string, CharSet>();

/** The ASCII characters the atom `text` matches under `flags`, as RE2 decides. */
function project(text: string, flags: Flags, offset: number): CharSet {
  const prefix = flags.i || flags.s ? `(?${flags.i ? "i" : ""}${flags.s ? "s" : ""})` : "";
  const key = prefix + text;
  let chars = projections.get(key);
  if (chars) return chars;
  let regex: ReturnType<typeof compileSingle>;
  try {
    regex = compileSingle(`${prefix}^(?:${text})$`, false);
  } catch {
    throw new Unsupported(`\`${text}\`, which RE2 does not read on its own`, offset);
  }
  const members: number[] = [];
  for (let c = 0; c < 128; c++) if (regex.test(String.fromCharCode(c))) members.push(c);
  chars = CharSet.fromCharacters(MAX_CHAR, members);
  projections.set(key, chars);
  return chars;
}

function literal(ch: string, flags: Flags, offset: number): CharSet {
  return project(
    /^[\p{P}\p{S}]$/u.test(ch) && ch.length === 1 && ch < "\x80" ? `\\${ch}` : ch,
    flags,
    offset,
  );
}

const REPEAT = /^\{(\d+)(,(\d*))?\}/;

export function parsePattern(source: string, ignoreCase: boolean): ParseResult {
  const tokens = scanRegex(source);
  let at = 0;

  const parseAlternatives = (outer: Flags, inGroup: boolean): PatternNode => {
    let flags = outer;
    const alternatives: PatternNode[][] = [[]];
    while (at < tokens.length) {
      const token = tokens[at]!;
      if (token.kind === "group-close") {
        if (!inGroup) throw new Unsupported("an unbalanced `)`", token.offset);
        break;
      }
      if (token.kind === "char" && token.text === "|") {
        alternatives.push([]);
        at++;
        continue;
      }
      if (token.kind === "flags") {
        flags = applyFlags(flags, token.text.slice(2, -1), token.offset);
        at++;
        continue;
      }
      const current = alternatives[alternatives.length - 1]!;
      if (token.kind === "quote") {
        // `\Q...\E` is a run of literals: a quantifier after it repeats the last one only.
        at++;
        const chars = Array.from(token.body).map((ch) => setNode(literal(ch, flags, token.offset)));
        const last = chars.pop();
        current.push(...chars);
        if (last) current.push(parseQuantifiers(last));
        continue;
      }
      const element = parseAtom(token, flags);
      current.push(parseQuantifiers(element));
    }
    return { kind: "alt", alternatives };
  };

  const parseAtom = (token: Token, flags: Flags): PatternNode => {
    switch (token.kind) {
      case "group-open": {
        at++;
        let inner = flags;
        if (token.group === "flag-group") inner = applyFlags(flags, token.text.slice(2, -1), token.offset);
        else if (!["capture", "noncapture", "named", "python-named"].includes(token.group)) {
          throw new Unsupported(`the group \`${token.text}\``, token.offset);
        }
        const body = parseAlternatives(inner, true);
        if (tokens[at]?.kind !== "group-close") throw new Unsupported("an unclosed group", token.offset);
        at++;
        return body;
      }
      case "class-open": {
        let end = at + 1;
        while (end < tokens.length && tokens[end]!.kind !== "class-close") end++;
        const close = tokens[end];
        if (!close) throw new Unsupported("an unclosed class", token.offset);
        at = end + 1;
        return {
          kind: "set",
          chars: project(source.slice(token.offset, close.offset + 1), flags, token.offset),
        };
      }
      case "escape": {
        at++;
        const letter = token.text[1] ?? "";
        if (token.text === "\\A") return { kind: "start" };
        if (token.text === "\\z") return { kind: "end" };
        if (letter === "b" || letter === "B") throw new Unsupported("a word boundary", token.offset);
        if (/^[1-9k]$/.test(letter)) throw new Unsupported("a backreference", token.offset);
        return { kind: "set", chars: project(token.text, flags, token.offset) };
      }
      case "char": {
        at++;
        if (token.text === "^") return { kind: "start" };
        if (token.text === "$") return { kind: "end" };
        if (token.text === ".") return { kind: "set", chars: project(".", flags, token.offset) };
        if ("*+?".includes(token.text) || (token.text === "{" && REPEAT.test(rest(token)))) {
          throw new Unsupported("a repetition of nothing", token.offset);
        }
        return setNode(literal(token.text, flags, token.offset));
      }
      default:
        throw new Unsupported(`\`${source.slice(token.offset, token.offset + token.length)}\``, token.offset);
    }
  };

  /** The source from `token` on, to read `{n,m}`. */
  const rest = (token: Token) => source.slice(token.offset, token.offset + 16);

  const parseQuantifiers = (element: PatternNode): PatternNode => {
    let node = element;
    let quantified = false;
    for (;;) {
      const token = tokens[at];
      if (token?.kind !== "char") return node;
      let min: number;
      let max: number;
      let width = 1;
      if (token.text === "*") [min, max] = [0, Number.POSITIVE_INFINITY];
      else if (token.text === "+") [min, max] = [1, Number.POSITIVE_INFINITY];
      else if (token.text === "?") [min, max] = [0, 1];
      else if (token.text === "{") {
        const repeat = REPEAT.exec(rest(token));
        if (!repeat) return node;
        min = Number(repeat[1]);
        max = repeat[2] === undefined ? min : repeat[3] === "" ? Number.POSITIVE_INFINITY : Number(repeat[3]);
        if (max < min || min > 1000 || (max !== Number.POSITIVE_INFINITY && max > 1000)) {
          throw new Unsupported("a repetition count RE2 rejects", token.offset);
        }
        width = repeat[0].length;
      } else return node;
      if (quantified) throw new Unsupported("a repetition of a repetition", token.offset);
      if (node.kind === "start" || node.kind === "end")
        throw new Unsupported("a repeated anchor", token.offset);
      // A `{n,m}` spans several char tokens; a lazy `?` belongs to the quantifier.
      let consumed = 0;
      while (consumed < width) consumed += tokens[at++]!.length;
      const lazy = tokens[at];
      if (lazy?.kind === "char" && lazy.text === "?") at++;
      node = { kind: "repeat", body: node, min, max };
      quantified = true;
    }
  };

  try {
    const root = parseAlternatives({ i: ignoreCase, s: false }, false);
    if (at < tokens.length) throw new Unsupported("an unbalanced `)`", tokens[at]!.offset);
    checkAnchors(root, true, true);
    return { ok: true, root };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.reason, offset: error.offset };
    throw error;
  }
}

function setNode(chars: CharSet): PatternNode {
  return { kind: "set", chars };
}

/** `(?i)`, `(?-i)`, `(?is-U)`: only `i` and `s` change what an atom matches; `m` cannot
 * matter on a path without line breaks, and `U` changes preference, not the language. */
function applyFlags(flags: Flags, text: string, offset: number): Flags {
  let on = true;
  let { i, s } = flags;
  for (const ch of text) {
    if (ch === "-") on = false;
    else if (ch === "i") i = on;
    else if (ch === "s") s = on;
    else if (ch !== "m" && ch !== "U") throw new Unsupported(`the flag \`${ch}\``, offset);
  }
  return { i, s };
}

/** Each path through the pattern may cross `^` only first and `$` only last. */
function checkAnchors(node: PatternNode, canStart: boolean, canEnd: boolean): void {
  switch (node.kind) {
    case "start":
      if (!canStart) throw new Unsupported("a `^` that is not at the start of the pattern", 0);
      return;
    case "end":
      if (!canEnd) throw new Unsupported("a `$` that is not at the end of the pattern", 0);
      return;
    case "repeat":
      checkAnchors(node.body, canStart && node.max <= 1, canEnd && node.max <= 1);
      return;
    case "alt":
      for (const sequence of node.alternatives) {
        sequence.forEach((element, index) => {
          checkAnchors(element, canStart && index === 0, canEnd && index === sequence.length - 1);
        });
      }
      return;
    default:
      return;
  }
}
