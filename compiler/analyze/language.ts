// Path languages as refa DFAs. A path `p` is represented by the word `⟨p⟩`: the markers
// MARK_START and MARK_END around it. `^` then matches the start marker and `$` the end one,
// and RE2's search semantics (an unanchored `p` means "contains a match") become
// `any* p any*` intersected with the frame `⟨ascii*⟩`. Every operation has a node budget; past
// it refa throws TooManyNodesError and the caller skips that check (LanguageTooLarge).
import { CharSet, DFA, type Expression, NFA, type NoParent, type Node, TooManyNodesError, Words } from "refa";
import { MARK_END, MARK_START, MAX_CHAR, type PatternNode, parsePattern } from "./regex-parse.ts";

/** States any one automaton may have; `(a|b)*a(a|b){20}` needs a million. */
export const MAX_STATES = 4000;

export class LanguageTooLarge extends Error {
  override readonly name = "LanguageTooLarge";
}

export type Language = DFA;

export type PatternLanguage =
  | { readonly ok: true; readonly language: Language }
  | { readonly ok: false; readonly reason: string; readonly offset: number };

const ALL = CharSet.all(MAX_CHAR);
const ASCII = CharSet.fromRange(MAX_CHAR, { min: 0, max: 0x7f });
const START = CharSet.fromCharacter(MAX_CHAR, MARK_START);
const END = CharSet.fromCharacter(MAX_CHAR, MARK_END);

function dfaFactory() {
  return new DFA.LimitedNodeFactory(MAX_STATES);
}

/** Runs an automaton operation; a blown budget becomes LanguageTooLarge. */
export function bounded<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof TooManyNodesError) throw new LanguageTooLarge(error.message);
    throw error;
  }
}

function toAst(node: PatternNode): NoParent<Node> {
  switch (node.kind) {
    case "set":
      return { type: "CharacterClass", characters: node.chars };
    case "start":
      return { type: "CharacterClass", characters: START };
    case "end":
      return { type: "CharacterClass", characters: END };
    case "repeat":
      return {
        type: "Quantifier",
        lazy: false,
        min: node.min,
        max: node.max,
        alternatives: [{ type: "Concatenation", elements: [toAst(node.body) as never] }],
      };
    case "alt":
      return {
        type: "Alternation",
        alternatives: node.alternatives.map((sequence) => ({
          type: "Concatenation",
          elements: sequence.map((element) => toAst(element) as never),
        })),
      };
  }
}

const anyStar = toAst({ kind: "repeat", body: { kind: "set", chars: ALL }, min: 0, max: Infinity });

/** The frame `⟨ascii*⟩` every represented path lies in. */
const FRAME = bounded(() => {
  const expression: NoParent<Expression> = {
    type: "Expression",
    alternatives: [
      {
        type: "Concatenation",
        elements: [
          toAst({ kind: "start" }),
          toAst({ kind: "repeat", body: { kind: "set", chars: ASCII }, min: 0, max: Infinity }),
          toAst({ kind: "end" }),
        ] as never,
      },
    ],
  };
  return DFA.fromFA(NFA.fromRegex(expression, { maxCharacter: MAX_CHAR }));
});

/** The paths (framed) on which RE2 finds a match of `source`, or why it cannot be modelled. */
export function patternLanguage(source: string, ignoreCase: boolean): PatternLanguage {
  const parsed = parsePattern(source, ignoreCase);
  if (!parsed.ok) return { ok: false, reason: `it uses ${parsed.reason}`, offset: parsed.offset };
  try {
    return { ok: true, language: searchLanguage(parsed.root) };
  } catch (error) {
    if (error instanceof LanguageTooLarge) {
      return { ok: false, reason: `its automaton has more than ${MAX_STATES} states`, offset: 0 };
    }
    throw error;
  }
}

function searchLanguage(root: PatternNode): Language {
  return bounded(() => {
    const expression: NoParent<Expression> = {
      type: "Expression",
      alternatives: [{ type: "Concatenation", elements: [anyStar, toAst(root), anyStar] as never }],
    };
    const nfa = NFA.fromRegex(
      expression,
      { maxCharacter: MAX_CHAR },
      { assertions: "throw", unknowns: "throw" },
      new NFA.LimitedNodeFactory(MAX_STATES),
    );
    return minimal(DFA.fromIntersection(FRAME, nfa, dfaFactory()));
  });
}

function minimal(dfa: DFA): DFA {
  dfa.minimize();
  return dfa;
}

export function everything(): Language {
  return FRAME.copy();
}

export function intersect(a: Language, b: Language): Language {
  return bounded(() => minimal(DFA.fromIntersection(a, b, dfaFactory())));
}

/** `a` without the words of `b`. */
export function subtract(a: Language, b: Language): Language {
  return bounded(() => {
    const complement = b.copy(dfaFactory());
    complement.complement(dfaFactory());
    return minimal(DFA.fromIntersection(a, complement, dfaFactory()));
  });
}

export function union(languages: readonly Language[]): Language {
  return bounded(() => {
    if (languages.length === 0) return DFA.empty({ maxCharacter: MAX_CHAR });
    const nfa = NFA.fromFA(languages[0]!, new NFA.LimitedNodeFactory(MAX_STATES * 4));
    for (const other of languages.slice(1)) nfa.union(other);
    return minimal(DFA.fromFA(nfa, dfaFactory()));
  });
}

export function overlaps(a: Language, b: Language): boolean {
  return bounded(() => !DFA.fromIntersection(a, b, dfaFactory()).isEmpty);
}

/** What is left of `subject` once every language of `covers` is taken away; smallest first. */
export function remainder(subject: Language, covers: readonly Language[]): Language {
  let left = subject;
  for (const cover of covers) {
    if (left.isEmpty) break;
    left = subtract(left, cover);
  }
  return left;
}

/** Up to `count` readable paths of the language, shortest first (markers removed). */
export function witnesses(language: Language, count = 1): string[] {
  const out: string[] = [];
  if (language.isEmpty) return out;
  for (const wordSet of language.wordSets()) {
    const word = Words.pickMostReadableWord(wordSet);
    out.push(Words.fromUnicodeToString(word.slice(1, -1)));
    if (out.length >= count) break;
  }
  return out;
}

export function accepts(language: Language, path: string): boolean {
  return language.test([MARK_START, ...Array.from(path, (ch) => ch.charCodeAt(0)), MARK_END]);
}
