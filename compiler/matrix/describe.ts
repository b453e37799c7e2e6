// Matrix entries as phrases, shared by the renderers: plain words and code pieces (user
// values: regexes, names), so each format quotes user text its own way.
import type { AccessEntry, Condition, Exception, MatrixCell, Pattern } from "./access.ts";

export type Piece = string | { readonly code: string };
export type Phrase = readonly Piece[];

export const NONE = "—";

/** One phrase per entry; empty when the cell shows `—`. */
export function cellPhrases(cell: MatrixCell): Phrase[] {
  const phrases = cell.entries.map(entryPhrase);
  if (cell.truncated) phrases.push(["… more entries left out"]);
  return phrases;
}

export function entryPhrase(entry: AccessEntry): Phrase {
  const pieces: Piece[] = [...methodsPhrase(entry.methods), " ", ...pathsPhrase(entry.paths)];
  if (entry.conditions.length > 0)
    pieces.push(" if ", ...joined(entry.conditions.map(conditionPhrase), " and "));
  if (entry.grantedBy.length > 0) {
    pieces.push(
      " (",
      ...joined(
        entry.grantedBy.map((ref) => [{ code: ref.rule }]),
        ", ",
      ),
      ")",
    );
  }
  for (const exception of entry.except) pieces.push("; except ", ...exceptionPhrase(exception, entry));
  return pieces;
}

/** Says only what narrows the entry: methods and a path it already has are left out. */
function exceptionPhrase(exception: Exception, entry: AccessEntry): Phrase {
  const parts: Phrase[] = [];
  if (exception.methods !== null && !sameMethods(exception.methods, entry.methods)) {
    parts.push(methodsPhrase(exception.methods));
  }
  const path = exception.path;
  if (path && !entry.paths.some((own) => own.source === path.source && own.ignoreCase === path.ignoreCase)) {
    parts.push(patternPhrase(path));
  }
  if (exception.conditions.length > 0) {
    parts.push(["when ", ...joined(exception.conditions.map(conditionPhrase), " and ")]);
  }
  return [...joined(parts, " "), " (", { code: exception.rule.rule }, ")"];
}

function sameMethods(a: readonly string[], b: readonly string[] | null): boolean {
  return b !== null && a.length === b.length && a.every((method) => b.includes(method));
}

function methodsPhrase(methods: readonly string[] | null): Phrase {
  return methods === null ? ["any method"] : [methods.join(", ")];
}

function pathsPhrase(paths: readonly Pattern[]): Phrase {
  return paths.length === 0
    ? ["any path"]
    : joined(
        paths.map((path) => patternPhrase(path)),
        " and ",
      );
}

function patternPhrase(pattern: Pattern): Phrase {
  return pattern.ignoreCase ? [{ code: pattern.source }, " (case-insensitive)"] : [{ code: pattern.source }];
}

function conditionPhrase(condition: Condition): Phrase {
  const subject: Piece[] = [`${condition.field} `, { code: condition.key }];
  if (condition.presence === "present") {
    return condition.pattern
      ? [...subject, " matches ", ...patternPhrase(condition.pattern)]
      : [...subject, " present"];
  }
  return condition.pattern
    ? ["no ", ...subject, " matching ", ...patternPhrase(condition.pattern)]
    : ["no ", ...subject];
}

function joined(phrases: readonly Phrase[], separator: string): Piece[] {
  return phrases.flatMap((phrase, index) => (index === 0 ? [...phrase] : [separator, ...phrase]));
}

/** Plain text, code in backticks: for JSON and terminals. */
export function plainText(phrase: Phrase): string {
  return phrase.map((piece) => (typeof piece === "string" ? piece : `\`${piece.code}\``)).join("");
}
