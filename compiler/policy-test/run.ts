// Running test cases: each request is decided by the decision module (what the gateway
// enforces) and traced by the reference interpreter, whose matched rules give coverage.
// The two must agree, as for `rrc explain`; a disagreement is a compiler bug.
import { isDeepStrictEqual } from "node:util";
import type { Decider } from "../../runtime/decision/engine.ts";
import type { Decision } from "../../runtime/decision/types.ts";
import { createInterpreter } from "../interpret/index.ts";
import type { FlatPolicy, IrRule } from "../ir/index.ts";
import {
  type CaseResult,
  type Coverage,
  EXPECT_FIELDS,
  type ExpectField,
  type FileResult,
  type TestCase,
  type TestFile,
  type TestReport,
} from "./types.ts";

export interface RunInput {
  readonly decider: Decider;
  readonly flat: FlatPolicy;
  readonly files: readonly TestFile[];
  readonly minCoverage: number | null;
}

export function runTests(input: RunInput): TestReport {
  const interpreter = createInterpreter(input.flat);
  const matched = new Set<IrRule>();
  const files: FileResult[] = input.files.map((file) => ({
    path: file.path,
    cases: file.cases.map((testCase) => {
      const started = performance.now();
      const actual = plain(input.decider.decide(testCase.request));
      const ms = performance.now() - started;
      const explanation = interpreter.explain(testCase.request);
      if (!isDeepStrictEqual(plain(explanation.decision), actual)) {
        throw new Error(
          `the decision module and the interpreter disagree on case \`${testCase.name}\`: ${JSON.stringify(actual)} vs ${JSON.stringify(plain(explanation.decision))}`,
        );
      }
      for (const scope of explanation.scopes) {
        for (const trace of scope.rules) if (trace.matched) matched.add(trace.rule);
      }
      return { testCase, actual, mismatches: mismatches(testCase, actual), ms } satisfies CaseResult;
    }),
  }));
  const all = files.flatMap((file) => file.cases);
  const failed = all.filter((result) => result.mismatches.length > 0).length;
  return {
    files,
    passed: all.length - failed,
    failed,
    coverage: coverage(input.flat, matched),
    minCoverage: input.minCoverage,
  };
}

/** True when every case passed and coverage reaches the minimum asked for. */
export function reportPasses(report: TestReport): boolean {
  return report.failed === 0 && !belowMinimum(report);
}

/** Compared on counts, not the rounded percentage: 29/100 is exactly 29%. */
export function belowMinimum(report: TestReport): boolean {
  const { covered, total } = report.coverage;
  return report.minCoverage !== null && covered * 100 < report.minCoverage * total;
}

/** `x/y rules (p%)`, p rounded down to a tenth so it never shows more than was reached. */
export function coverageLine(coverage: Coverage): string {
  const tenths = coverage.total === 0 ? 1000 : Math.floor((coverage.covered * 1000) / coverage.total);
  return `${coverage.covered}/${coverage.total} rules (${tenths / 10}%)`;
}

function mismatches(testCase: TestCase, actual: Decision): ExpectField[] {
  return EXPECT_FIELDS.filter(
    (field) => Object.hasOwn(testCase.expect, field) && testCase.expect[field] !== actual[field],
  );
}

/** Rules of every scope some proxy and credential can reach; a rule is covered once it matched. */
function coverage(flat: FlatPolicy, matched: ReadonlySet<IrRule>): Coverage {
  const rules = flat.scopes.flatMap((scope) => scope.rules);
  const uncovered = rules
    .filter((rule) => !matched.has(rule))
    .map((rule) => ({ scope: rule.scope, entity: rule.entity, rule: rule.id, span: rule.span }));
  const covered = rules.length - uncovered.length;
  return {
    covered,
    total: rules.length,
    percent: rules.length === 0 ? 100 : (covered * 100) / rules.length,
    uncovered,
  };
}

function plain(decision: Decision): Decision {
  const { verdict, status, code, scope, rule } = decision;
  return { verdict, status, code, scope, rule };
}
