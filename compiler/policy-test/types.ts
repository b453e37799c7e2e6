// The shapes `rrc test` reads and reports.

import type { Decision, DecisionRequest } from "../../runtime/decision/types.ts";
import type { Span } from "../ir/index.ts";
import type { DocumentPath } from "../load/source.ts";

/** A parsed test file (JSON or YAML) that can point back into its text. */
export interface LocatedDocument {
  /** The path as shown to users (relative to the working directory when possible). */
  readonly path: string;
  readonly document: unknown;
  /** The span of the value (or, with `key`, the property name) at `path`. */
  locate(path: DocumentPath, part?: "key" | "value"): Span;
}

export const EXPECT_FIELDS = ["verdict", "status", "code", "scope", "rule"] as const;
export type ExpectField = (typeof EXPECT_FIELDS)[number];

/** Any subset of the decision, at least one field. */
export type Expectation = Partial<Pick<Decision, ExpectField>>;

export interface TestCase {
  readonly name: string;
  readonly request: DecisionRequest;
  readonly expect: Expectation;
  readonly span: Span;
}

export interface TestFile {
  readonly path: string;
  readonly cases: readonly TestCase[];
}

export interface CaseResult {
  readonly testCase: TestCase;
  readonly actual: Decision;
  /** Expected fields whose actual value differs, in EXPECT_FIELDS order. */
  readonly mismatches: readonly ExpectField[];
  readonly ms: number;
}

export interface FileResult {
  readonly path: string;
  readonly cases: readonly CaseResult[];
}

export interface RuleRef {
  readonly scope: string;
  readonly entity: string;
  readonly rule: string;
  readonly span: Span;
}

export interface Coverage {
  readonly covered: number;
  readonly total: number;
  /** 100 when there are no rules to cover. */
  readonly percent: number;
  readonly uncovered: readonly RuleRef[];
}

export interface TestReport {
  readonly files: readonly FileResult[];
  readonly passed: number;
  readonly failed: number;
  readonly coverage: Coverage;
  /** `--min-coverage`, when given. */
  readonly minCoverage: number | null;
}
