// Names a set of flipped paths for a reviewer: a short regex when the automaton prints as
// one, else one of the policy's own path patterns it equals (or its complement, or one
// pattern less another), else the longer regex, else only the examples.
import {
  equivalent,
  everything,
  intersect,
  type Language,
  LanguageTooLarge,
  subtract,
} from "../analyze/language.ts";
import { DIFF_LIMIT } from "./access.ts";
import { describePaths } from "./pattern.ts";

export interface PathSummary {
  /** An RE2-style pattern (search semantics) for exactly these paths, when one is known. */
  readonly pattern: string | null;
  /** The same for people: a pattern in backticks, or how it relates to the policy's patterns. */
  readonly text: string;
}

export interface NamedPattern {
  readonly source: string;
  readonly ignoreCase: boolean;
  readonly paths: Language;
}

const SHORT = 60;
const MAX_PAIRS = 12;

function show(pattern: NamedPattern): string {
  return `\`${pattern.ignoreCase ? "(?i)" : ""}${pattern.source}\``;
}

/** `raw`: the paths as framed raw strings; `canonical`: the same restricted to canonical paths. */
export function summarisePaths(
  raw: Language | null,
  canonical: Language,
  canonicalPaths: Language,
  patterns: readonly NamedPattern[],
): PathSummary {
  const printed = raw ? describePaths(raw) : null;
  if (printed !== null && printed.length <= SHORT) return { pattern: printed, text: `\`${printed}\`` };
  try {
    const unique = dedupe(patterns);
    const canon = unique.map((pattern) => ({
      pattern,
      paths: intersect(pattern.paths, canonicalPaths, DIFF_LIMIT),
    }));
    for (const { pattern, paths } of canon) {
      if (equivalent(canonical, paths, DIFF_LIMIT)) {
        return {
          pattern: `${pattern.ignoreCase ? "(?i)" : ""}${pattern.source}`,
          text: `matching ${show(pattern)}`,
        };
      }
    }
    for (const { pattern, paths } of canon) {
      if (equivalent(canonical, subtract(canonicalPaths, paths, DIFF_LIMIT), DIFF_LIMIT)) {
        return { pattern: printed, text: `not matching ${show(pattern)}` };
      }
    }
    const few = canon.slice(0, MAX_PAIRS);
    for (const kept of few) {
      for (const removed of few) {
        if (kept === removed) continue;
        if (equivalent(canonical, subtract(kept.paths, removed.paths, DIFF_LIMIT), DIFF_LIMIT)) {
          return {
            pattern: printed,
            text: `matching ${show(kept.pattern)} but not ${show(removed.pattern)}`,
          };
        }
      }
    }
  } catch (error) {
    if (!(error instanceof LanguageTooLarge)) throw error;
  }
  if (printed !== null) return { pattern: printed, text: `\`${printed}\`` };
  return { pattern: null, text: "paths like the examples" };
}

function dedupe(patterns: readonly NamedPattern[]): NamedPattern[] {
  const seen = new Map<string, NamedPattern>();
  for (const pattern of patterns) seen.set(`${pattern.ignoreCase ? "i" : "-"}${pattern.source}`, pattern);
  return [...seen.values()];
}

export { everything };
