// `--error-on`: analysis warnings re-levelled to errors on `rrc check` and `rrc build`
// (exit code 1, no bundle written), through the built CLI; and the option's parsing.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseErrorOn } from "../../compiler/analyze/relevel.ts";
import { runCli } from "../support/run-cli.ts";

const FIXTURE = resolve(import.meta.dirname, "fixtures/rrc5002-one-deny/policy.json");
const work = mkdtempSync(join(tmpdir(), "rrc-relevel-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("parseErrorOn", () => {
  it("reads codes (repeated or comma-separated) and all-warnings", () => {
    expect(parseErrorOn(["RRC5002,RRC5003", "RRC5001"])).toEqual(["RRC5002", "RRC5003", "RRC5001"]);
    expect(parseErrorOn(["RRC5002", "all-warnings"])).toBe("all-warnings");
  });

  it("refuses unknown codes and errors (which cannot be re-levelled)", () => {
    expect(() => parseErrorOn(["RRC5999"])).toThrow("unknown diagnostic code `RRC5999`");
    expect(() => parseErrorOn(["RRC2001"])).toThrow("only warnings can be re-levelled");
  });
});

describe("rrc check / build --error-on", () => {
  it.each([
    [[], 0],
    [["--error-on", "RRC5003"], 0],
    [["--error-on", "RRC5002"], 1],
    [["--error-on", "RRC5003,RRC5002"], 1],
    [["--error-on", "all-warnings"], 1],
  ])("check %j exits %i", (flags, status) => {
    const result = runCli(["check", FIXTURE, ...flags]);
    expect(result.status).toBe(status);
    expect(result.stdout).toContain(status === 1 ? "error[RRC5002]" : "warning[RRC5002]");
  });

  it("json output carries the re-levelled severity", () => {
    const result = runCli(["check", FIXTURE, "--format", "json", "--error-on", "RRC5002"]);
    expect(result.status).toBe(1);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.errors).toBe(1);
    expect(parsed.diagnostics[0]).toMatchObject({
      code: "RRC5002",
      severity: "error",
      span: { line: 21, column: 9 },
    });
  });

  it("build writes no bundle when a re-levelled warning fires, and one otherwise", () => {
    const refused = join(work, "refused");
    expect(runCli(["build", FIXTURE, "--out", refused, "--error-on", "RRC5002"]).status).toBe(1);
    expect(existsSync(refused)).toBe(false);
    const built = join(work, "built");
    expect(runCli(["build", FIXTURE, "--out", built, "--error-on", "RRC5001"]).status).toBe(0);
    expect(existsSync(join(built, "manifest.json"))).toBe(true);
  });

  it("an unknown code is a usage error", () => {
    const result = runCli(["check", FIXTURE, "--error-on", "RRC5999"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--error-on: unknown diagnostic code `RRC5999`");
  });
});
