// schemas/policy-test.schema.json must agree with the decision contract it checks
// against, and the CI recipe must run the commands with the shapes documented.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { SCOPE_KINDS } from "../../compiler/ir/index.ts";
import { EXPECT_FIELDS } from "../../compiler/policy-test/types.ts";
import { DECISION_CODES } from "../../runtime/decision/types.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const schema = JSON.parse(readFileSync(resolve(ROOT, "schemas/policy-test.schema.json"), "utf8"));

describe("schemas/policy-test.schema.json", () => {
  const expectSchema = schema.$defs.expect;

  it("expects exactly the decision's fields", () => {
    expect(Object.keys(expectSchema.properties)).toEqual([...EXPECT_FIELDS]);
    expect(expectSchema.additionalProperties).toBe(false);
    expect(expectSchema.minProperties).toBe(1);
  });

  it("lists every code a decision can carry, and only those", () => {
    const codes = Object.keys(DECISION_CODES).filter((code) => code !== "body-required");
    expect([...expectSchema.properties.code.enum].sort()).toEqual(codes.sort());
  });

  it("lists the scope kinds and null", () => {
    expect(expectSchema.properties.scope.enum).toEqual([...SCOPE_KINDS, null]);
  });

  it("takes the request fields `rrc eval` takes", () => {
    expect(Object.keys(schema.$defs.request.properties)).toEqual([
      "proxy",
      "credential",
      "method",
      "path",
      "headers",
      "query",
      "body",
      "claims",
    ]);
  });
});

describe("examples/ci/github-actions.yml", () => {
  const workflow = YAML.parse(readFileSync(resolve(ROOT, "examples/ci/github-actions.yml"), "utf8"));
  const steps: { name?: string; run?: string; uses?: string; with?: Record<string, string> }[] =
    workflow.jobs.policy.steps;
  const scripts = steps.map((step) => step.run ?? "").join("\n");

  it("runs on pull requests and checks, tests, builds and diffs", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(scripts).toContain('npx rrc check "$POLICIES" --format github');
    expect(scripts).toContain('npx rrc test "$POLICIES"');
    expect(scripts).toContain('npx rrc build "$POLICIES" --out bundle');
    expect(scripts).toMatch(/npx rrc build "\$RUNNER_TEMP\/base\/\$POLICIES" --out base-bundle/);
    expect(scripts).toContain("npx rrc diff base-bundle bundle --format markdown");
  });

  it("comments the diff and uploads the bundle", () => {
    const uses = steps.map((step) => step.uses ?? "");
    expect(uses).toContain("actions/github-script@v7");
    const upload = steps.find(
      (step) => step.uses === "actions/upload-artifact@v4" && step.with?.path === "bundle/",
    );
    expect(upload).toBeDefined();
    expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });
});
