// `rrc test` output for people: one line per case, expected against actual for failures,
// a summary and rule coverage.
import type { Span } from "../ir/index.ts";
import { belowMinimum, coverageLine } from "./run.ts";
import type { CaseResult, ExpectField, TestReport } from "./types.ts";

/** Shows where a rule is, for the user's working directory (rule spans are relative to
 * the policy root). */
export type Locator = (span: Span) => string;

/** Test case spans already name the file as the user gave it. */
export function at(span: Span): string {
  return `${span.file}:${span.line}:${span.column}`;
}

export function renderText(report: TestReport, where: Locator): string {
  const out: string[] = [];
  for (const file of report.files) {
    out.push(printable(file.path));
    for (const result of file.cases) out.push(...caseLines(result));
    out.push("");
  }
  out.push(`${report.passed} passed, ${report.failed} failed`);
  out.push(`coverage: ${coverageLine(report.coverage)}`);
  if (report.coverage.uncovered.length > 0) {
    out.push("  rules no case matched:");
    for (const rule of report.coverage.uncovered) {
      out.push(`    ${rule.scope} \`${rule.entity}\` rule \`${rule.rule}\`  (${where(rule.span)})`);
    }
  }
  if (belowMinimum(report)) out.push(`coverage is below the minimum of ${report.minCoverage}%`);
  return `${out.join("\n")}\n`;
}

function caseLines(result: CaseResult): string[] {
  const name = printable(result.testCase.name);
  if (result.mismatches.length === 0) return [`  ✓ ${name}`];
  return [
    `  ✗ ${name}  (${at(result.testCase.span)})`,
    ...failureLines(result).map((line) => `      ${line}`),
  ];
}

/** What differs, one line per field, then the whole decision. */
export function failureLines(result: CaseResult): string[] {
  const width = Math.max(...result.mismatches.map((field) => field.length));
  const lines = result.mismatches.map((field) => {
    const expected = show(result.testCase.expect[field]);
    return `${`${field}:`.padEnd(width + 1)} expected ${expected}, got ${show(result.actual[field])}`;
  });
  lines.push(`decision: ${decisionText(result)}`);
  return lines;
}

function decisionText(result: CaseResult): string {
  const { verdict, status, code, scope, rule } = result.actual;
  const by = rule ? `, ${scope} rule \`${rule}\`` : scope ? `, ${scope} default` : "";
  return `${verdict} ${status} ${code}${by}`;
}

function show(value: CaseResult["actual"][ExpectField] | undefined): string {
  if (value === null || value === undefined) return "null";
  return typeof value === "number" ? String(value) : `\`${printable(value)}\``;
}

/** Control characters in user-written names are shown escaped, never sent to the terminal. */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
