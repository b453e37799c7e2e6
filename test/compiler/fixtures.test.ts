// Table-driven fixtures: test/fixtures/<area>/<case>/ holds `policy/` and either
// `cases.json` (requests with the expected decision, run through interpreter, in-memory
// module and on-disk bundle) or `diagnostics.json` (the golden diagnostics of a policy
// that must not build).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/pipeline.ts";
import type { Decision, DecisionRequest } from "../../runtime/decision/types.ts";
import { buildThreeWays, type ThreeWays } from "../support/three-ways.ts";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");

interface FixtureCase {
  readonly name: string;
  readonly request: DecisionRequest;
  readonly expect: Decision;
}

interface GoldenDiagnostic {
  readonly code: string;
  readonly severity: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
}

const fixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((area) => area.isDirectory())
  .flatMap((area) =>
    readdirSync(join(FIXTURES, area.name), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => ({ area: area.name, name: entry.name, dir: join(FIXTURES, area.name, entry.name) })),
  );

const open: ThreeWays[] = [];
afterAll(() => {
  for (const built of open) built.dispose();
});

describe.each(fixtures)("fixture $area/$name", ({ dir }) => {
  const policy = join(dir, "policy");
  const casesFile = join(dir, "cases.json");
  const goldenFile = join(dir, "diagnostics.json");

  if (existsSync(goldenFile)) {
    it("reports exactly the golden diagnostics", async () => {
      const golden = JSON.parse(readFileSync(goldenFile, "utf8")) as GoldenDiagnostic[];
      const result = await compile({ paths: [policy], cwd: process.cwd(), until: "artifact" });
      const actual: GoldenDiagnostic[] = result.diagnostics.map((item) => ({
        code: item.code,
        severity: item.severity,
        file: item.span ? relative(policy, resolve(process.cwd(), item.span.file)) : null,
        line: item.span?.line ?? null,
        column: item.span?.column ?? null,
      }));
      expect(actual).toEqual(golden);
      expect(result.ok).toBe(!golden.some((item) => item.severity === "error"));
      if (!result.ok) expect(result.bundle).toBeNull();
    });
  }

  if (existsSync(casesFile)) {
    const cases = JSON.parse(readFileSync(casesFile, "utf8")) as FixtureCase[];
    let built: ThreeWays;
    it("builds", async () => {
      built = await buildThreeWays([policy]);
      open.push(built);
    });
    it.each(cases)("$name", ({ request, expect: expected }) => {
      expect(built, "the policy failed to build").toBeDefined();
      expect(built.decide(request)).toEqual(expected);
    });
  }
});
