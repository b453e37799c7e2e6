// Path languages as refa DFAs. A path `p` is represented by the word `⟨p⟩`: the markers
// MARK_START and MARK_END around it. `^` then matches the start marker and `$` the end one,
// and RE2's search semantics (an unanchored `p` means "contains a match") become
// `any* p any*` intersected with the frame `⟨ascii*⟩`. Every operation has a node budget; past
// it refa throws TooManyNodesError and the caller skips that check (LanguageTooLarge).
import { CharSet, DFA, type Expression, NFA, type Node, type NoParent, TooManyNodesError } from "refa";
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

function dfaFactory(limit = MAX_STATES) {
  return new DFA.LimitedNodeFactory(limit);
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

/** The paths (framed; within `frame`, by default any ASCII) on which RE2 finds a match of
 * `source`, or why it cannot be modelled. */
export function patternLanguage(
  source: string,
  ignoreCase: boolean,
  frame: Language = FRAME,
): PatternLanguage {
  const parsed = parsePattern(source, ignoreCase);
  if (!parsed.ok) return { ok: false, reason: `uses ${parsed.reason}`, offset: parsed.offset };
  try {
    return { ok: true, language: searchLanguage(parsed.root, frame) };
  } catch (error) {
    if (error instanceof LanguageTooLarge) {
      return { ok: false, reason: `needs an automaton of more than ${MAX_STATES} states`, offset: 0 };
    }
    throw error;
  }
}

/** The framed paths on which a parsed pattern finds a match; throws LanguageTooLarge. */
export function searchLanguage(root: PatternNode, frame: Language = FRAME): Language {
  return bounded(() => {
    // A pattern anchored at an end needs no `any*` there: nothing comes before the start marker.
    const elements = [
      ...(anchored(root, "start") ? [] : [anyStar]),
      toAst(root),
      ...(anchored(root, "end") ? [] : [anyStar]),
    ];
    const expression: NoParent<Expression> = {
      type: "Expression",
      alternatives: [{ type: "Concatenation", elements: elements as never }],
    };
    const nfa = NFA.fromRegex(
      expression,
      { maxCharacter: MAX_CHAR },
      { assertions: "throw", unknowns: "throw" },
      new NFA.LimitedNodeFactory(MAX_STATES),
    );
    return minimal(DFA.fromIntersection(frame, nfa, dfaFactory()));
  });
}

/** Whether every match begins with `^` (or ends with `$`). */
export function anchored(node: PatternNode, edge: "start" | "end"): boolean {
  if (node.kind === edge) return true;
  if (node.kind !== "alt") return false;
  return node.alternatives.every((sequence) => {
    const element = edge === "start" ? sequence[0] : sequence[sequence.length - 1];
    return element !== undefined && anchored(element, edge);
  });
}

function minimal(dfa: DFA): DFA {
  dfa.minimize();
  return dfa;
}

export function everything(): Language {
  return FRAME.copy();
}

export function nothing(): Language {
  return DFA.empty({ maxCharacter: MAX_CHAR });
}

// `limit`: the state budget of one operation (the diff allows more than the build does).

export function intersect(a: Language, b: Language, limit = MAX_STATES): Language {
  return bounded(() => minimal(DFA.fromIntersection(a, b, dfaFactory(limit))));
}

/** `a` without the words of `b`. */
export function subtract(a: Language, b: Language, limit = MAX_STATES): Language {
  return bounded(() => {
    const complement = b.copy(dfaFactory(limit));
    complement.complement(dfaFactory(limit));
    return minimal(DFA.fromIntersection(a, complement, dfaFactory(limit)));
  });
}

export function union(languages: readonly Language[], limit = MAX_STATES): Language {
  return bounded(() => {
    if (languages.length === 0) return nothing();
    const nfa = NFA.fromFA(languages[0]!, new NFA.LimitedNodeFactory(limit * 4));
    for (const other of languages.slice(1)) nfa.union(other);
    return minimal(DFA.fromFA(nfa, dfaFactory(limit)));
  });
}

/** Whether two languages hold the same paths. */
export function equivalent(a: Language, b: Language, limit = MAX_STATES): boolean {
  return subtract(a, b, limit).isEmpty && subtract(b, a, limit).isEmpty;
}

export function accepts(language: Language, path: string): boolean {
  return language.test([MARK_START, ...Array.from(path, (ch) => ch.charCodeAt(0)), MARK_END]);
}
