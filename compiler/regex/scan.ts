// A lexical scanner for RE2 patterns. It does not validate: RE2 itself does that. It only
// splits the source into tokens that cover it completely, in order, so that the checker can
// find constructs by position and the normaliser can rebuild the pattern. Offsets and
// lengths are in UTF-16 code units of the source string.
//
// What it follows, as RE2 reads a pattern:
// - `\x` escapes, with their long forms `\p{..}`, `\x{..}`, `\u{..}`, `\uXXXX`, `\k<..>`,
//   `\1`..`\9` followed by more digits, `\cX`;
// - `\Q...\E` outside classes: everything up to the first `\E` (or the end) is literal;
// - character classes, where a `]` right after `[` or `[^` is a literal and `[:name:]`
//   is a POSIX class;
// - group openers `(`, `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`, `(?P<name>`,
//   `(?P=name)`, inline flags `(?flags)` and `(?flags:`.

export type GroupKind =
  | "capture"
  | "noncapture"
  | "named"
  | "python-named"
  | "lookahead"
  | "negative-lookahead"
  | "lookbehind"
  | "negative-lookbehind"
  | "flag-group"
  | "other";

export type Token =
  /** A backslash escape; `text` is the whole escape, `inClass` whether inside `[...]`. */
  | { kind: "escape"; offset: number; length: number; text: string; inClass: boolean }
  /** `\Q...\E`; `body` is the literal text between them. */
  | { kind: "quote"; offset: number; length: number; body: string; closed: boolean }
  /** `[` or `[^`. */
  | { kind: "class-open"; offset: number; length: number; text: string }
  | { kind: "class-close"; offset: number; length: number }
  /** A `]` right after `[` or `[^`, which RE2 reads as a literal. */
  | { kind: "class-leading-bracket"; offset: number; length: number }
  /** `[:name:]` or `[:^name:]` inside a class. */
  | { kind: "posix"; offset: number; length: number; text: string; name: string }
  /** A group opener; `text` is the opener up to and including `(`, `:`, `>`, `=`, `!` as the kind needs. */
  | { kind: "group-open"; offset: number; length: number; text: string; group: GroupKind }
  | { kind: "group-close"; offset: number; length: number }
  /** A complete inline flag setting `(?i)`, `(?-s)` etc. */
  | { kind: "flags"; offset: number; length: number; text: string }
  /** `(?P=name)`, a Python named backreference. */
  | { kind: "python-backref"; offset: number; length: number; text: string }
  /** Any other single character (a whole surrogate pair counts as one). */
  | { kind: "char"; offset: number; length: number; text: string };

const HEX = /^[0-9A-Fa-f]$/;

function isHex(ch: string | undefined): boolean {
  return ch !== undefined && HEX.test(ch);
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

/** Length in code units of the character starting at `i` (2 for a surrogate pair). */
function charLength(source: string, i: number): number {
  const code = source.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < source.length) {
    const next = source.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 2;
  }
  return 1;
}

/** End (exclusive) of a run that is closed by `close`, starting at `from`; -1 when not closed. */
function closedAt(source: string, from: number, close: string): number {
  const at = source.indexOf(close, from);
  return at < 0 ? -1 : at + close.length;
}

/** Length of the escape starting at `i` (a backslash), not counting `\Q` which the caller handles. */
function escapeLength(source: string, i: number, inClass: boolean): number {
  const next = source[i + 1];
  if (next === undefined) return 1;
  switch (next) {
    case "p":
    case "P": {
      if (source[i + 2] === "{") {
        const end = closedAt(source, i + 3, "}");
        return end < 0 ? 3 : end - i;
      }
      return source[i + 2] === undefined ? 2 : 2 + charLength(source, i + 2);
    }
    case "x": {
      if (source[i + 2] === "{") {
        const end = closedAt(source, i + 3, "}");
        return end < 0 ? 3 : end - i;
      }
      let n = 2;
      while (n < 4 && isHex(source[i + n])) n++;
      return n;
    }
    case "u": {
      if (source[i + 2] === "{") {
        const end = closedAt(source, i + 3, "}");
        return end < 0 ? 3 : end - i;
      }
      let n = 2;
      while (n < 6 && isHex(source[i + n])) n++;
      return n;
    }
    case "k": {
      if (!inClass && source[i + 2] === "<") {
        const end = closedAt(source, i + 3, ">");
        return end < 0 ? 3 : end - i;
      }
      return 2;
    }
    case "c":
      return /^[A-Za-z]$/.test(source[i + 2] ?? "") ? 3 : 2;
    default: {
      if (!inClass && next >= "1" && next <= "9") {
        let n = 2;
        while (isDigit(source[i + n])) n++;
        return n;
      }
      return 1 + charLength(source, i + 1);
    }
  }
}

const FLAG_CHARS = /^[imsU-]+$/;

function groupOpener(
  source: string,
  i: number,
): { length: number; group: GroupKind } | { flags: number } | null {
  // source[i] === "("
  if (source[i + 1] !== "?") return { length: 1, group: "capture" };
  const c2 = source[i + 2];
  if (c2 === ":") return { length: 3, group: "noncapture" };
  if (c2 === "=") return { length: 3, group: "lookahead" };
  if (c2 === "!") return { length: 3, group: "negative-lookahead" };
  if (c2 === "<") {
    const c3 = source[i + 3];
    if (c3 === "=") return { length: 4, group: "lookbehind" };
    if (c3 === "!") return { length: 4, group: "negative-lookbehind" };
    const end = closedAt(source, i + 3, ">");
    return { length: end < 0 ? 3 : end - i, group: "named" };
  }
  if (c2 === "P") {
    const c3 = source[i + 3];
    if (c3 === "<") {
      const end = closedAt(source, i + 4, ">");
      return { length: end < 0 ? 4 : end - i, group: "python-named" };
    }
    if (c3 === "=") return null; // a Python backreference, handled by the caller
    return { length: 2, group: "other" };
  }
  // (?flags) or (?flags:
  let j = i + 2;
  while (j < source.length && source[j] !== ")" && source[j] !== ":" && FLAG_CHARS.test(source[j]!)) j++;
  if (j > i + 2 && source[j] === ")") return { flags: j + 1 - i };
  if (j > i + 2 && source[j] === ":") return { length: j + 1 - i, group: "flag-group" };
  return { length: 2, group: "other" };
}

export function scanRegex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let inClass = false;
  const n = source.length;
  while (i < n) {
    const ch = source[i]!;
    if (ch === "\\") {
      if (!inClass && source[i + 1] === "Q") {
        const endQuote = source.indexOf("\\E", i + 2);
        const closed = endQuote >= 0;
        const bodyEnd = closed ? endQuote : n;
        const end = closed ? endQuote + 2 : n;
        tokens.push({
          kind: "quote",
          offset: i,
          length: end - i,
          body: source.slice(i + 2, bodyEnd),
          closed,
        });
        i = end;
        continue;
      }
      const length = escapeLength(source, i, inClass);
      tokens.push({ kind: "escape", offset: i, length, text: source.slice(i, i + length), inClass });
      i += length;
      continue;
    }
    if (inClass) {
      if (ch === "]") {
        tokens.push({ kind: "class-close", offset: i, length: 1 });
        inClass = false;
        i += 1;
        continue;
      }
      if (ch === "[" && source[i + 1] === ":") {
        const end = closedAt(source, i + 2, ":]");
        if (end >= 0) {
          const text = source.slice(i, end);
          const name = text.slice(2, -2).replace(/^\^/, "");
          tokens.push({ kind: "posix", offset: i, length: end - i, text, name });
          i = end;
          continue;
        }
      }
      const length = charLength(source, i);
      tokens.push({ kind: "char", offset: i, length, text: source.slice(i, i + length) });
      i += length;
      continue;
    }
    if (ch === "[") {
      const openLength = source[i + 1] === "^" ? 2 : 1;
      tokens.push({
        kind: "class-open",
        offset: i,
        length: openLength,
        text: source.slice(i, i + openLength),
      });
      i += openLength;
      inClass = true;
      if (source[i] === "]") {
        tokens.push({ kind: "class-leading-bracket", offset: i, length: 1 });
        i += 1;
      }
      continue;
    }
    if (ch === "(") {
      const opener = groupOpener(source, i);
      if (opener === null) {
        const end = closedAt(source, i + 4, ")");
        const length = end < 0 ? 4 : end - i;
        tokens.push({ kind: "python-backref", offset: i, length, text: source.slice(i, i + length) });
        i += length;
      } else if ("flags" in opener) {
        tokens.push({
          kind: "flags",
          offset: i,
          length: opener.flags,
          text: source.slice(i, i + opener.flags),
        });
        i += opener.flags;
      } else {
        const text = source.slice(i, i + opener.length);
        tokens.push({ kind: "group-open", offset: i, length: opener.length, text, group: opener.group });
        i += opener.length;
      }
      continue;
    }
    if (ch === ")") {
      tokens.push({ kind: "group-close", offset: i, length: 1 });
      i += 1;
      continue;
    }
    const length = charLength(source, i);
    tokens.push({ kind: "char", offset: i, length, text: source.slice(i, i + length) });
    i += length;
  }
  return tokens;
}
