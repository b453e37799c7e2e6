// `rrc test --format junit`: JUnit XML for CI test reporters, one <testsuite> per test
// file. With --min-coverage, the coverage check is one more suite, so CI shows it too.

import { at, failureLines, type Locator } from "./render-text.ts";
import { belowMinimum, coverageLine } from "./run.ts";
import type { CaseResult, FileResult, TestReport } from "./types.ts";
import { openTag, xmlText } from "./xml.ts";

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(report: TestReport, where: Locator): string {
  const suites = report.files.map(fileSuite);
  let tests = report.passed + report.failed;
  let failures = report.failed;
  if (report.minCoverage !== null) {
    suites.push(coverageSuite(report, where));
    tests++;
    if (belowMinimum(report)) failures++;
  }
  const time = report.files.flatMap((file) => file.cases).reduce((sum, result) => sum + result.ms, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    openTag("testsuites", { name: "rrc test", tests, failures, errors: 0, time: seconds(time) }),
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}

function fileSuite(file: FileResult): string {
  const failures = file.cases.filter((result) => result.mismatches.length > 0).length;
  const time = file.cases.reduce((sum, result) => sum + result.ms, 0);
  const attributes = { name: file.path, tests: file.cases.length, failures, errors: 0, skipped: 0 };
  return [
    `  ${openTag("testsuite", { ...attributes, time: seconds(time) })}`,
    ...file.cases.map((result) => testCase(file.path, result)),
    "  </testsuite>",
  ].join("\n");
}

function testCase(classname: string, result: CaseResult): string {
  const span = result.testCase.span;
  const attributes = {
    name: result.testCase.name,
    classname,
    file: span.file,
    line: span.line,
    time: seconds(result.ms),
  };
  if (result.mismatches.length === 0) return `    ${openTag("testcase", attributes, true)}`;
  const lines = failureLines(result);
  const message = lines.slice(0, -1).join("; ");
  return [
    `    ${openTag("testcase", attributes)}`,
    `      ${openTag("failure", { message, type: "mismatch" })}${xmlText([...lines, at(span)].join("\n"))}</failure>`,
    "    </testcase>",
  ].join("\n");
}

function coverageSuite(report: TestReport, where: Locator): string {
  const below = belowMinimum(report);
  const summary = `rule coverage ${coverageLine(report.coverage)}, minimum ${report.minCoverage}%`;
  const uncovered = report.coverage.uncovered
    .map((rule) => `${rule.scope} \`${rule.entity}\` rule \`${rule.rule}\` (${where(rule.span)})`)
    .join("\n");
  const name = "rrc rule coverage";
  const attributes = { name, tests: 1, failures: below ? 1 : 0, errors: 0, skipped: 0, time: "0.000" };
  const caseAttributes = { name: `at least ${report.minCoverage}% of rules matched`, classname: name };
  const body = below
    ? `      ${openTag("failure", { message: summary, type: "coverage" })}${xmlText(uncovered)}</failure>`
    : `      <system-out>${xmlText(summary)}</system-out>`;
  return [
    `  ${openTag("testsuite", attributes)}`,
    `    ${openTag("testcase", caseAttributes)}`,
    body,
    "    </testcase>",
    "  </testsuite>",
  ].join("\n");
}
