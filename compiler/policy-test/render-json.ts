// `rrc test --format json`: the whole report, stable and machine-readable.

import { at, type Locator } from "./render-text.ts";
import { belowMinimum } from "./run.ts";
import type { TestReport } from "./types.ts";

export function renderJson(report: TestReport, where: Locator): string {
  const json = {
    passed: report.passed,
    failed: report.failed,
    files: report.files.map((file) => ({
      file: file.path,
      cases: file.cases.map((result) => ({
        name: result.testCase.name,
        passed: result.mismatches.length === 0,
        location: at(result.testCase.span),
        expected: result.testCase.expect,
        actual: result.actual,
        mismatches: result.mismatches,
      })),
    })),
    coverage: {
      covered: report.coverage.covered,
      total: report.coverage.total,
      percent: report.coverage.percent,
      minimum: report.minCoverage,
      belowMinimum: belowMinimum(report),
      uncovered: report.coverage.uncovered.map((rule) => ({
        scope: rule.scope,
        entity: rule.entity,
        rule: rule.rule,
        location: where(rule.span),
      })),
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
