// Checks one policy regex (RE2 syntax, search semantics like RegExp#test, flag `i` only).
//
// What node-re2 1.27.1 does, found by experiment (and by reading its lib/new.cc, set.cc,
// pattern.cc):
// - Before RE2 sees a pattern, node-re2 rewrites it lexically: `\uXXXX` (1 to 4 hex digits)
//   and `\u{..}` become `\x{..}`; `\cA`..`\cZ` become `\x01`..; `(?<name>` becomes
//   `(?P<name>`; `\p{Letter}`, `\p{Script=Greek}`, `\p{Alphabetic}` (long names, binary
//   properties) are translated; `/` becomes `\/`. The rewrite ignores `\Q...\E`, so inside
//   it `/`, `\u..`, `(?<` change meaning; see set-pattern.ts for the workaround.
// - RE2 accepts: `(?i)`, `(?s)`, `(?m)`, `(?U)`, `(?i:..)`, `\A`, `\z`, `(?P<n>x)`,
//   `[[:alpha:]]`, `\pL`, `\p{L}`, `\Q..\E`, `\C`, `\x{e9}`, `(?<n>x)`, `\u00e9`, and
//   `\ud83d\ude00`, which RE2 reads as two surrogate code points that never occur in UTF-8
//   text (JavaScript matches the pair). `[]a]` and `[^]a]` are classes holding `]`.
// - RE2 rejects: lookaround ("invalid perl operator: (?="), `\1`, `\k<n>` ("invalid escape
//   sequence: \k"), `(?P=n)` ("invalid perl operator: (?P"), `\Z` ("invalid escape
//   sequence: \Z"), `(?#..)`, `[\b]`, `\Q` inside a class.
// - `new RE2(src, flags)`: `u` has no effect on matching (always UTF-8, code points); it only
//   silences a deprecation notice that is off by default (RE2.unicodeWarningLevel
//   "nothing"). Errors are SyntaxErrors carrying RE2's message. Duplicate group names
//   throw "duplicate capture group name" here but are accepted by RE2.Set.
// - `new RE2.Set(patterns, flags?, {anchor?, maxMem?})`: flags ("dgimsuy" only, anything
//   else throws TypeError "Invalid flags for RE2.Set.") apply to the whole set; `set.flags`
//   always contains `u`. Per-pattern case-insensitivity works with an inline `(?i)` prefix.
//   anchor is "unanchored" (default), "start" or "both". A pattern RE2 cannot parse throws
//   a SyntaxError with RE2's message; a too-large set throws "RE2.Set could not be
//   compiled."; `match()` can throw "RE2.Set matching failed: out of memory." at run time.
// - Semantics that differ from JavaScript and that we do not warn about, as they are
//   everywhere: `.` matches `\r`, U+2028/U+2029 and a whole astral character in RE2; with
//   `i`, RE2 uses Unicode simple case folding, so `k` matches U+212A, `s` matches U+017F and
//   `ß` matches U+1E9E, which JavaScript (without `u`) does not.

import RE2 from "re2";
import { scanRegex, type Token } from "./scan.ts";
import { compileSingle, SET_FLAGS, toSetPattern } from "./set-pattern.ts";

export interface RegexProblem {
  code: "RRC4001" | "RRC4002" | "RRC4003" | "RRC4004" | "RRC4005";
  message: string;
  offset: number;
  length: number;
  help?: string;
}

type Code = RegexProblem["code"];

/** Errors found by scanning; when there is one, compiling would only repeat it. */
const LEXICAL_ERRORS: ReadonlySet<Code> = new Set(["RRC4001", "RRC4002", "RRC4003"]);

/** A user value in backticks, safe when it contains backticks itself. */
function code(value: string): string {
  return value.includes("`") ? "`` " + value + " ``" : "`" + value + "`";
}

/** Shortens long user values in messages. */
function clip(value: string, max = 40): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max - 1).join("") + "…";
}

const LOOKAROUND_LABEL: Record<string, string> = {
  lookahead: "lookahead",
  "negative-lookahead": "negative lookahead",
  lookbehind: "lookbehind",
  "negative-lookbehind": "negative lookbehind",
};

const LOOKAROUND_HELP =
  "RE2 guarantees matching in linear time and so has no lookahead or lookbehind; " +
  "express the condition as a separate check (another rule or field condition) instead";

const BACKREFERENCE_HELP =
  "RE2 guarantees matching in linear time and so has no backreferences; " +
  "spell out the text that should repeat, or check it outside the regex";

const FLAGS_HELP =
  "RE2 applies inline flags (`i` ignore case, `m` multi-line `^`/`$`, `s` `.` matches `\\n`, " +
  "`U` ungreedy) to the rest of the group; JavaScript rejects `(?flags)` groups, so the pattern " +
  "cannot be tried out with RegExp; prefer the rule's `i` flag to `(?i)`";

const SPACE_HELP =
  "RE2's `\\s` matches only `[\\t\\n\\f\\r ]`; JavaScript's also matches `\\v`, U+00A0 (no-break " +
  "space), U+FEFF, U+2028, U+2029 and the other Unicode spaces (and `\\S` is the opposite); " +
  "write the characters you mean, e.g. `[\\t\\n\\f\\r ]`, to make the intent explicit";

const POSIX_RANGES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

function isSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

/** How to write code point `cp` so that RE2 and JavaScript agree. */
function portableSpelling(cp: number): string {
  if (cp <= 0xffff && !isSurrogate(cp)) return code("\\u" + cp.toString(16).toUpperCase().padStart(4, "0"));
  return "the character itself";
}

function surrogateWarning(text: string): Omit<RegexProblem, "offset" | "length"> {
  return {
    code: "RRC4004",
    message: `${code(text)} is a UTF-16 surrogate, which RE2 never matches`,
    help:
      "RE2 matches UTF-8 text by code point, so a surrogate pair written as two `\\u` escapes " +
      "never matches, while JavaScript matches the pair; write the character itself",
  };
}

/** Warnings and errors for one escape; `state` makes the `\s` warning appear once. */
function checkEscape(token: Extract<Token, { kind: "escape" }>, state: { spaceWarned: boolean }) {
  const text = token.text;
  const letter = text[1];
  const at = { offset: token.offset, length: token.length };
  const out: RegexProblem[] = [];
  const warn = (message: string, help: string) => out.push({ code: "RRC4004", message, help, ...at });
  switch (letter) {
    case "A":
      if (!token.inClass) {
        warn(
          "`\\A` matches the start of the text in RE2 but the letter `A` in JavaScript",
          "use `^`, which means the same in both (without the `m` flag)",
        );
      }
      break;
    case "z":
      if (!token.inClass) {
        warn(
          "`\\z` matches the end of the text in RE2 but the letter `z` in JavaScript",
          "use `$`, which in both matches only at the very end (without the `m` flag)",
        );
      }
      break;
    case "Z":
      out.push({
        code: "RRC4001",
        message: "`\\Z` is not RE2 syntax",
        help:
          "RE2 has no `\\Z` (JavaScript reads it as the letter `Z`); use `$` or `\\z` to match at the end " +
          "of the text (RE2 has no form that also matches before a final newline)",
        ...at,
      });
      break;
    case "C":
      warn(
        "`\\C` matches any single byte in RE2 but the letter `C` in JavaScript",
        "`\\C` can match part of a multi-byte UTF-8 character; use `.` to match one character",
      );
      break;
    case "p":
    case "P":
      warn(
        `Unicode class ${code(text)} means the letter \`${letter}\` in JavaScript without the \`u\` flag`,
        `RE2 reads ${code(text)} as a Unicode property class; JavaScript reads it as a Unicode property ` +
          "only with the `u` flag, and as plain letters without it, so keep that in mind when trying " +
          "the pattern out with RegExp",
      );
      break;
    case "s":
    case "S":
      if (!state.spaceWarned) {
        state.spaceWarned = true;
        warn(
          `${code(text)} matches only ASCII whitespace in RE2, Unicode whitespace in JavaScript`,
          SPACE_HELP,
        );
      }
      break;
    case "x":
    case "u": {
      if (text[2] === "{") {
        const cp = Number.parseInt(text.slice(3, -1), 16);
        if (Number.isFinite(cp) && isSurrogate(cp)) {
          out.push({ ...surrogateWarning(text), ...at });
          break;
        }
        warn(
          `${code(clip(text))} is a code point in RE2 but not in JavaScript without the \`u\` flag`,
          `JavaScript without the \`u\` flag reads \`\\${letter}{…}\` as the letter \`${letter}\` followed ` +
            `by a repetition count or literal braces; write ${Number.isFinite(cp) ? portableSpelling(cp) : "the character itself"}`,
        );
        break;
      }
      if (letter === "u") {
        const digits = text.slice(2);
        if (digits.length === 4) {
          const cp = Number.parseInt(digits, 16);
          if (isSurrogate(cp)) out.push({ ...surrogateWarning(text), ...at });
        } else if (digits.length > 0) {
          const cp = Number.parseInt(digits, 16);
          warn(
            `${code(text)} is a code point here but the text ${code("u" + digits)} in JavaScript`,
            `node-re2 reads \`\\u\` with one to four hex digits as a code point; JavaScript needs exactly four; write ${portableSpelling(cp)}`,
          );
        }
      }
      break;
    }
    case "k":
      if (!token.inClass && text.startsWith("\\k<")) {
        out.push({
          code: "RRC4003",
          message: `backreference ${code(clip(text))} is not supported by RE2`,
          help: BACKREFERENCE_HELP,
          ...at,
        });
      }
      break;
    default:
      if (!token.inClass && letter !== undefined && letter >= "1" && letter <= "9") {
        out.push({
          code: "RRC4003",
          message: `backreference ${code(text)} is not supported by RE2`,
          help: BACKREFERENCE_HELP,
          ...at,
        });
      }
  }
  return out;
}

/** RE2's error message in diagnostic style: lowercase start, user values in backticks. */
export function formatRe2Message(raw: string): string {
  if (raw.startsWith("RE2.Set could not be compiled")) {
    return "pattern too large to compile into an RE2.Set";
  }
  const message = raw.replace(/\.$/, "");
  const colon = message.indexOf(": ");
  let head = colon < 0 ? message : message.slice(0, colon);
  head = head.replace(/ ([)\]])$/, " `$1`");
  if (/^[A-Z][a-z]/.test(head)) head = head[0]!.toLowerCase() + head.slice(1);
  return colon < 0 ? head : `${head}: ${code(clip(message.slice(colon + 2)))}`;
}

function compileProblem(source: string, ignoreCase: boolean): RegexProblem | null {
  const whole = { offset: 0, length: source.length };
  try {
    compileSingle(source, ignoreCase);
  } catch (error) {
    return { code: "RRC4001", message: formatRe2Message(errorMessage(error)), ...whole };
  }
  try {
    new RE2.Set([toSetPattern(source, ignoreCase)], SET_FLAGS);
  } catch (error) {
    return { code: "RRC4001", message: formatRe2Message(errorMessage(error)), ...whole };
  }
  return null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** All problems with one policy regex, sorted by offset into `source` (UTF-16 code units). */
export function checkRegex(source: string, flags: string): RegexProblem[] {
  const problems: RegexProblem[] = [];
  if (flags !== "" && flags !== "i") {
    problems.push({
      code: "RRC4005",
      message: `unsupported regex flags ${code(flags)}`,
      help: "the only flag allowed is `i` (ignore case); RE2 search semantics need no others",
      offset: 0,
      length: 0,
    });
  }
  const ignoreCase = flags.includes("i");

  // Open groups; a lookaround records its problem so that the closing `)` can extend it.
  const groups: (RegexProblem | null)[] = [];
  const state = { spaceWarned: false };

  for (const token of scanRegex(source)) {
    const at = { offset: token.offset, length: token.length };
    switch (token.kind) {
      case "group-open": {
        const label = LOOKAROUND_LABEL[token.group];
        if (label !== undefined) {
          const problem: RegexProblem = {
            code: "RRC4002",
            message: `${label} ${code(token.text)} is not supported by RE2`,
            help: LOOKAROUND_HELP,
            ...at,
          };
          problems.push(problem);
          groups.push(problem);
          break;
        }
        if (token.group === "python-named") {
          problems.push({
            code: "RRC4004",
            message: `${code(clip(token.text))} is Python-style syntax that JavaScript rejects`,
            help: "write `(?<name>…)`, which RE2 and JavaScript both accept",
            ...at,
          });
        } else if (token.group === "flag-group") {
          problems.push({
            code: "RRC4004",
            message: `inline flags ${code(token.text)} are RE2 syntax that JavaScript rejects`,
            help: FLAGS_HELP,
            ...at,
          });
        }
        groups.push(null);
        break;
      }
      case "group-close": {
        const problem = groups.pop();
        if (problem) problem.length = token.offset + token.length - problem.offset;
        break;
      }
      case "flags":
        problems.push({
          code: "RRC4004",
          message: `inline flags ${code(token.text)} are RE2 syntax that JavaScript rejects`,
          help: FLAGS_HELP,
          ...at,
        });
        break;
      case "python-backref":
        problems.push({
          code: "RRC4003",
          message: `backreference ${code(clip(token.text))} is not supported by RE2`,
          help: BACKREFERENCE_HELP,
          ...at,
        });
        break;
      case "escape":
        problems.push(...checkEscape(token, state));
        break;
      case "quote":
        problems.push({
          code: "RRC4004",
          message: `quoted text ${code(clip(source.slice(token.offset, token.offset + token.length)))} is not JavaScript syntax`,
          help:
            "RE2 matches the text between `\\Q` and `\\E` literally; JavaScript reads `\\Q` and `\\E` as the " +
            "letters `Q` and `E` and the text between as regex syntax; escape special characters one by one instead",
          ...at,
        });
        break;
      case "posix": {
        const ranges = POSIX_RANGES[token.name];
        problems.push({
          code: "RRC4004",
          message: `POSIX class ${code(token.text)} means something different in JavaScript`,
          help:
            `RE2 reads ${code(token.text)} inside brackets as an ASCII class; JavaScript reads it as single ` +
            "characters and ends the class at its first `]`; " +
            (ranges !== undefined && !token.text.startsWith("[:^")
              ? `write the range instead: ${code(ranges)}`
              : "write the ranges out instead"),
          ...at,
        });
        break;
      }
      case "class-leading-bracket":
        problems.push({
          code: "RRC4004",
          message: "`]` right after `[` is a literal in RE2 but closes an empty class in JavaScript",
          help:
            "RE2 reads `[]a]` as the class of `]` and `a`; JavaScript reads `[]` as a class that matches " +
            "nothing (and `[^]` as any character); write `\\]` instead",
          ...at,
        });
        break;
      default:
        break;
    }
  }

  if (!problems.some((p) => LEXICAL_ERRORS.has(p.code))) {
    const problem = compileProblem(source, ignoreCase);
    if (problem) problems.push(problem);
  }

  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => a.problem.offset - b.problem.offset || a.index - b.index)
    .map(({ problem }) => problem);
}
