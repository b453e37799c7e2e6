// `rrc test` as a user drives it: outputs, coverage, exit codes, policies or a bundle,
// JSON and YAML test files, and the examples' own tests.
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.ts";
import { request, SMALL_POLICY, workspace } from "./support.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const space = workspace("rrc-policy-test-cli-");
afterAll(() => space.dispose());

const policyDir = join(space.root, "policy");
space.write("policy/policy.json", SMALL_POLICY);
space.write("policy/tests/reads.test.json", {
  cases: [
    {
      name: "alice reads items",
      request: request("GET", "/items/1"),
      expect: { verdict: "allow", rule: "read" },
    },
    {
      name: "bob cannot write",
      request: request("POST", "/items", { credential: "bob" }),
      expect: { code: "default-denied" },
    },
  ],
});
space.write(
  "policy/tests/writes.test.yaml",
  `# YAML works the same
cases:
  - name: alice writes
    request: { proxy: shop, credential: alice, method: POST, path: /items }
    expect: { verdict: allow, status: 200, scope: proxy, rule: write }
`,
);
const failing = space.write("failing.test.json", {
  cases: [
    { name: "passes", request: request("GET", "/items"), expect: { verdict: "allow" } },
    {
      name: "debug is fine (wrong)",
      request: request("GET", "/items", { query: { debug: "1" } }),
      expect: { verdict: "allow", rule: "read" },
    },
  ],
});

describe("rrc test", () => {
  it("runs the policy's tests/ folder, JSON and YAML, and reports coverage", () => {
    const result = runCli(["test", policyDir]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("  ✓ alice reads items");
    expect(result.stdout).toContain("  ✓ alice writes");
    expect(result.stdout).toContain("3 passed, 0 failed");
    expect(result.stdout).toContain("coverage: 2/4 rules (50%)");
    expect(result.stdout).toMatch(/target `api` rule `no-secrets` {2}\(.*policy\.json:\d+:\d+\)/);
    expect(result.stdout).toContain("proxy `shop` rule `no-debug`");
  });

  it("fails with exit 1 and shows expected against actual", () => {
    const result = runCli(["test", policyDir, failing]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("  ✓ passes");
    expect(result.stdout).toMatch(/ {2}✗ debug is fine \(wrong\) {2}\(.*failing\.test\.json:\d+:\d+\)/);
    expect(result.stdout).toContain("verdict: expected `allow`, got `deny`");
    expect(result.stdout).toContain("rule:    expected `read`, got `no-debug`");
    expect(result.stdout).toContain("decision: deny 403 rule-denied, proxy rule `no-debug`");
    expect(result.stdout).toContain("1 passed, 1 failed");
    // The failing case still exercised `read` and `no-debug`.
    expect(result.stdout).toContain("coverage: 2/4 rules (50%)");
  });

  it("--format json carries every case and the coverage", () => {
    const result = runCli(["test", policyDir, failing, "--format", "json"]);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ passed: 1, failed: 1 });
    expect(report.files[0].cases[1]).toMatchObject({
      name: "debug is fine (wrong)",
      passed: false,
      expected: { verdict: "allow", rule: "read" },
      actual: { verdict: "deny", status: 403, code: "rule-denied", scope: "proxy", rule: "no-debug" },
      mismatches: ["verdict", "rule"],
    });
    expect(report.coverage).toMatchObject({ covered: 2, total: 4, percent: 50, minimum: null });
    expect(report.coverage.uncovered.map((rule: { rule: string }) => rule.rule).sort()).toEqual([
      "no-secrets",
      "write",
    ]);
  });

  it("--min-coverage passes at the coverage reached and fails above it", () => {
    expect(runCli(["test", policyDir, "--min-coverage", "50"]).status).toBe(0);
    expect(runCli(["test", policyDir, "--min-coverage", "50%"]).status).toBe(0);
    const below = runCli(["test", policyDir, "--min-coverage", "50.1"]);
    expect(below.status).toBe(1);
    expect(below.stdout).toContain("3 passed, 0 failed");
    expect(below.stdout).toContain("coverage is below the minimum of 50.1%");
    const bad = runCli(["test", policyDir, "--min-coverage", "lots"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("rrc: --min-coverage must be a percentage from 0 to 100\n");
  });

  it("runs against a built bundle, given as a path or with --bundle", () => {
    const bundle = join(space.root, "bundle");
    expect(runCli(["build", policyDir, "--out", bundle]).status).toBe(0);
    const tests = join(policyDir, "tests");
    for (const args of [
      ["test", bundle, tests],
      ["test", "--bundle", bundle, tests],
    ]) {
      const result = runCli(args);
      expect(result.status, args.join(" ")).toBe(0);
      expect(result.stdout).toContain("3 passed, 0 failed");
      expect(result.stdout).toContain("coverage: 2/4 rules (50%)");
    }
  });

  it("a single test file can be named, whatever its name", () => {
    const file = space.write("plain.json", {
      cases: [
        {
          name: "bob reads",
          request: request("GET", "/items", { credential: "bob" }),
          expect: { verdict: "allow" },
        },
      ],
    });
    const result = runCli(["test", join(policyDir, "policy.json"), file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("1 passed, 0 failed");
  });

  it("refuses a test file with schema errors, pointing at the key", () => {
    const bad = space.write("bad.test.json", {
      cases: [{ name: "typo", request: request("GET", "/items"), expct: { verdict: "allow" } }],
    });
    const result = runCli(["test", policyDir, bad]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("error[RRC2001]: unknown field `expct`");
    expect(result.stderr).toMatch(/--> .*bad\.test\.json:11:7/);
    expect(result.stderr).toContain("did you mean `expect`?");
    expect(result.stderr).toContain("error[RRC2003]: missing required field `expect`");
  });

  it("reports policy diagnostics and exits 1", () => {
    const broken = space.write("broken/policy.json", { proxies: [{ id: "x" }] });
    const result = runCli(["test", broken, join(policyDir, "tests")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error[RRC2003]");
  });

  it("usage errors: no policy, no tests found, bad format", () => {
    const empty = space.write("empty/policy.json", SMALL_POLICY);
    const cases: [string[], string][] = [
      [["test"], "needs a policy path"],
      [["test", empty], "does not exist"],
      [["test", policyDir, space.write("none/readme.txt", "x").replace("readme.txt", "")], "no test files"],
      [["test", policyDir, "--format", "tap"], "--format must be pretty, json or junit"],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args);
      expect(result.status, args.join(" ")).toBe(1);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("the examples' own tests", () => {
  it.each(["access-control", "json-policy", "third-party-payments"])("rrc test examples/%s", (name) => {
    const result = runCli(["test", `examples/${name}`, "--min-coverage", "100"], { cwd: ROOT });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(result.stdout).toMatch(/coverage: (\d+)\/\1 rules \(100%\)/);
  });
});
