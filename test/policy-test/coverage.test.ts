// Rule coverage: a rule counts once it matched in some case (the interpreter's trace),
// whatever the verdict; refused requests exercise nothing; unreachable scopes are not
// counted; the minimum is compared exactly.
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/pipeline.ts";
import { belowMinimum, coverageLine, runTests } from "../../compiler/policy-test/run.ts";
import type { Coverage, TestCase, TestReport } from "../../compiler/policy-test/types.ts";
import { importBundle, instantiateModule } from "../../runtime/bundle/load.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import { request, SMALL_POLICY, workspace } from "./support.ts";

const space = workspace("rrc-policy-test-coverage-");
afterAll(() => space.dispose());

const POLICY = {
  ...SMALL_POLICY,
  proxyCredentials: [
    ...SMALL_POLICY.proxyCredentials.map((credential) =>
      credential.id === "bob"
        ? { ...credential, rules: [{ id: "bob-no-delete", effect: "deny", methods: ["DELETE"] }] }
        : credential,
    ),
    // Accepted by no proxy: its rule can never run, so it is not counted.
    {
      id: "carol",
      auth: { type: "apiKey", keys: [`sha256:${"c".repeat(64)}`] },
      rules: [{ id: "never", effect: "deny" }],
    },
  ],
};

async function run(requests: DecisionRequest[], minCoverage: number | null = null): Promise<TestReport> {
  const file = space.write("policy.json", POLICY);
  const result = await compile({ paths: [file], cwd: space.root, until: "artifact" });
  expect(result.diagnostics.filter((item) => item.severity === "error")).toEqual([]);
  const module = await importBundle(result.bundle!);
  const cases: TestCase[] = requests.map((item, index) => ({
    name: `case ${index}`,
    request: item,
    expect: { verdict: "allow" },
    span: { file: "t.test.json", line: 1, column: 1, offset: 0, length: 0 },
  }));
  return runTests({
    decider: instantiateModule(module),
    flat: module.policy.flat,
    files: [{ path: "t", cases }],
    minCoverage,
  });
}

const ids = (coverage: Coverage) =>
  coverage.uncovered.map((rule) => `${rule.scope}/${rule.entity}/${rule.rule}`);

describe("rule coverage", () => {
  it("counts reachable rules only, and none before a case runs", async () => {
    const report = await run([]);
    expect(report.coverage).toMatchObject({ covered: 0, total: 5 });
    expect(ids(report.coverage)).toEqual([
      "proxy/shop/read",
      "proxy/shop/write",
      "proxy/shop/no-debug",
      "target/api/no-secrets",
      "proxyCredential/bob/bob-no-delete",
    ]);
  });

  it("a matched rule counts whatever the verdict; several rules can match in one case", async () => {
    const report = await run([request("GET", "/items", { query: { debug: "1" } })]);
    expect(report.failed).toBe(1);
    expect(report.coverage.covered).toBe(2);
    expect(ids(report.coverage)).not.toContain("proxy/shop/read");
    expect(ids(report.coverage)).not.toContain("proxy/shop/no-debug");
  });

  it("refusals before rule evaluation exercise nothing", async () => {
    const report = await run([
      request("get", "/items"),
      request("GET", "/items;x"),
      request("GET", "/items", { credential: "carol" }),
      request("GET", "/items", { proxy: "nope" }),
      request("GET", "/items", { query: { debug: ["1", "2"] } }),
    ]);
    expect(report.coverage.covered).toBe(0);
  });

  it("a credential-scope rule is covered through any proxy that accepts it", async () => {
    const report = await run([request("DELETE", "/items", { credential: "bob" })]);
    expect(ids(report.coverage)).not.toContain("proxyCredential/bob/bob-no-delete");
  });

  it("all rules matched is 100%", async () => {
    const report = await run([
      request("GET", "/secrets", { query: { debug: "" } }),
      request("POST", "/items"),
      request("DELETE", "/items", { credential: "bob" }),
    ]);
    expect(coverageLine(report.coverage)).toBe("4/5 rules (80%)");
    const full = await run([
      request("GET", "/items/secrets", { query: { debug: "" } }),
      request("GET", "/secrets"),
      request("POST", "/items"),
      request("DELETE", "/items", { credential: "bob" }),
    ]);
    expect(full.coverage).toMatchObject({ covered: 5, total: 5, percent: 100, uncovered: [] });
  });
});

describe("coverage arithmetic", () => {
  const report = (covered: number, total: number, minCoverage: number | null): TestReport => ({
    files: [],
    passed: 0,
    failed: 0,
    minCoverage,
    coverage: { covered, total, percent: total === 0 ? 100 : (covered * 100) / total, uncovered: [] },
  });

  it("rounds the shown percentage down, never up", () => {
    expect(coverageLine(report(2, 3, null).coverage)).toBe("2/3 rules (66.6%)");
    expect(coverageLine(report(1999, 2000, null).coverage)).toBe("1999/2000 rules (99.9%)");
    expect(coverageLine(report(0, 0, null).coverage)).toBe("0/0 rules (100%)");
  });

  it("compares the minimum on counts", () => {
    expect(belowMinimum(report(29, 100, 29))).toBe(false);
    expect(belowMinimum(report(28, 100, 29))).toBe(true);
    expect(belowMinimum(report(1, 3, 33.3))).toBe(false);
    expect(belowMinimum(report(1, 3, 33.4))).toBe(true);
    expect(belowMinimum(report(0, 0, 100))).toBe(false);
    expect(belowMinimum(report(0, 5, null))).toBe(false);
  });
});
