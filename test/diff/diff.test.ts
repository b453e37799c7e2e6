// `rrc diff`: Markdown and JSON reports (snapshots) for policy pairs that widen, narrow,
// depend on conditions, or change rules without changing any verdict; every example the
// report shows is checked by both decision functions; --exit-code; bundles as inputs,
// and bundles of different format versions refused.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDiff } from "../../compiler/diff/command.ts";
import type { DiffReport } from "../../compiler/diff/report.ts";
import { MODULE_FORMAT } from "../../compiler/emit/index.ts";
import { runCli } from "../support/run-cli.ts";
import { BASE, CONDITIONAL, NARROWER, SAME_ACCESS, WIDER } from "./policies.ts";

const work = mkdtempSync(join(tmpdir(), "rrc-diff-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => {
  const policies = {
    base: BASE,
    wider: WIDER,
    narrower: NARROWER,
    same: SAME_ACCESS,
    conditional: CONDITIONAL,
  };
  for (const [name, document] of Object.entries(policies)) {
    writeFileSync(join(work, `${name}.json`), `${JSON.stringify(document, null, 2)}\n`);
  }
});

async function diff(next: string, format: "markdown" | "json", exitCode = false) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    ({
      write: (text: string) => {
        append(text);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await runDiff(["base.json", `${next}.json`], {
    format,
    exitCode,
    cwd: work,
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
  });
  return { code, stdout, stderr };
}

describe.each(["wider", "narrower", "same", "conditional"])("rrc diff base.json %s.json", (next) => {
  it("renders Markdown for a pull-request comment", async () => {
    const { code, stdout } = await diff(next, "markdown");
    expect(code).toBe(0);
    expect(stdout).toMatchSnapshot();
  });

  it("renders JSON, with every sure flip verified by both decision functions", async () => {
    const { stdout } = await diff(next, "json");
    const report = JSON.parse(stdout) as DiffReport;
    expect(report).toMatchSnapshot();
    for (const pair of report.pairs) {
      for (const flip of pair.flips) {
        expect(flip.examples.length).toBeGreaterThan(0);
        if (flip.kind === "widened" || flip.kind === "narrowed") {
          for (const example of flip.examples) expect(example.verified, JSON.stringify(example)).toBe(true);
        }
      }
    }
  });
});

describe("--exit-code", () => {
  it.each([
    ["wider", 1],
    ["conditional", 1],
    ["narrower", 0],
    ["same", 0],
  ])("%s: exit %i", async (next, status) => {
    expect((await diff(next, "markdown", true)).code).toBe(status);
  });

  it("through the CLI, with --format json", () => {
    const widens = runCli(["diff", "base.json", "wider.json", "--exit-code", "--format", "json"], {
      cwd: work,
    });
    expect(widens.status).toBe(1);
    expect(JSON.parse(widens.stdout).widens).toBe(true);
    expect(runCli(["diff", "base.json", "narrower.json", "--exit-code"], { cwd: work }).status).toBe(0);
  });
});

describe("bundles", () => {
  beforeAll(() => {
    for (const name of ["base", "wider"]) {
      expect(runCli(["build", `${name}.json`, "--out", `${name}-bundle`], { cwd: work }).status).toBe(0);
    }
  });

  it("two bundles (and a bundle against a policy) compare like the policies", () => {
    const fromPolicies = JSON.parse(
      runCli(["diff", "base.json", "wider.json", "--format", "json"], { cwd: work }).stdout,
    );
    for (const args of [
      ["base-bundle", "wider-bundle"],
      ["base-bundle", "wider.json"],
    ]) {
      const result = runCli(["diff", ...args, "--format", "json"], { cwd: work });
      expect(result.status).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.old.kind).toBe("bundle");
      expect(report.old.revision).toBe(fromPolicies.old.revision);
      expect(report.pairs).toEqual(fromPolicies.pairs);
      expect(report.rules).toEqual(fromPolicies.rules);
    }
  });

  it("refuses bundles of different format versions, saying so", () => {
    cpSync(join(work, "wider-bundle"), join(work, "future-bundle"), { recursive: true });
    const manifest = join(work, "future-bundle", "manifest.json");
    writeFileSync(
      manifest,
      readFileSync(manifest, "utf8").replace('"schemaVersion": 1', '"schemaVersion": 2'),
    );
    const result = runCli(["diff", "base-bundle", "future-bundle"], { cwd: work });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("bundle formats differ");
    expect(result.stderr).toContain(`manifest schema 1, module format ${MODULE_FORMAT}`);
    expect(result.stderr).toContain(`manifest schema 2, module format ${MODULE_FORMAT}`);
    const same = runCli(["diff", "future-bundle", "future-bundle"], { cwd: work });
    expect(same.status).toBe(1);
    expect(same.stderr).toContain("cannot read");
  });

  it("refuses a bundle of an older module format (the policy inside the module), saying so", () => {
    // Module format 1 kept the tables and the policy in decision.mjs; this rrc reads 2.
    cpSync(join(work, "wider-bundle"), join(work, "old-bundle"), { recursive: true });
    const manifest = join(work, "old-bundle", "manifest.json");
    writeFileSync(
      manifest,
      readFileSync(manifest, "utf8").replace(`"moduleFormat": ${MODULE_FORMAT}`, '"moduleFormat": 1'),
    );
    const result = runCli(["diff", "base-bundle", "old-bundle"], { cwd: work });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("bundle formats differ");
    expect(result.stderr).toContain("manifest schema 1, module format 1");
    const same = runCli(["diff", "old-bundle", "old-bundle"], { cwd: work });
    expect(same.status).toBe(1);
    expect(same.stderr).toContain(
      `which this rrc (manifest schema 1, module format ${MODULE_FORMAT}) cannot read`,
    );
  });

  it("a side that does not build is a user error with its diagnostics", () => {
    writeFileSync(join(work, "broken.json"), '{ "proxies": [{ "id": "p" }] }');
    const result = runCli(["diff", "base.json", "broken.json"], { cwd: work });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("`broken.json` does not build");
    expect(result.stderr).toMatch(/error\[RRC2003\]/);
  });
});
