// The CLI as a user drives it: exit codes, output formats, deterministic bundles, no
// bundle on failure, refused tampered bundles, and no stack traces for user errors.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const JSON_EXAMPLE = join(ROOT, "examples", "json-policy");
const work = mkdtempSync(join(tmpdir(), "rrc-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

const BAD_POLICY = `{
  "proxies": [
    { "id": "p", "target": "t", "targetCredential": "tc", "credentials": [], "default": "deny",
      "rules": [{ "id": "r", "effect": "allow", "metods": ["GET"] }] }
  ]
}
`;

describe("rrc build", () => {
  it("is deterministic: two builds, from different directories, are byte-identical", () => {
    const first = join(work, "first");
    const second = join(work, "second");
    expect(runCli(["build", JSON_EXAMPLE, "--out", first]).status).toBe(0);
    expect(runCli(["build", ".", "--out", second], { cwd: JSON_EXAMPLE }).status).toBe(0);
    const a = readTree(first);
    expect(Object.keys(a).sort()).toEqual([
      "decision.mjs",
      "document.json",
      "flat.json",
      "manifest.json",
      "tables.json",
    ]);
    expect(readTree(second)).toEqual(a);
    const manifest = JSON.parse(a["manifest.json"]!);
    expect(manifest.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifest.stats).toMatchObject({ rulesIn: 6, rulesPruned: 0 });
    for (const file of ["decision.mjs", "tables.json", "document.json", "flat.json"]) {
      expect(manifest.files[file]).toMatch(/^sha256:/);
    }
  });

  it("writes nothing when the policy has errors, and keeps an existing bundle", () => {
    const dir = join(work, "bad");
    rmSync(dir, { recursive: true, force: true });
    const policy = join(work, "bad-policy.json");
    writeFileSync(policy, BAD_POLICY);
    const result = runCli(["build", policy, "--out", dir]);
    expect(result.status).toBe(1);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(work).filter((name) => name.includes(".tmp-"))).toEqual([]);

    const kept = join(work, "kept");
    expect(runCli(["build", JSON_EXAMPLE, "--out", kept]).status).toBe(0);
    const before = readTree(kept);
    expect(runCli(["build", policy, "--out", kept]).status).toBe(1);
    expect(readTree(kept)).toEqual(before);
  });
});

describe("rrc check formats", () => {
  const policy = join(work, "format-policy.json");
  writeFileSync(policy, BAD_POLICY);

  it("pretty: code, position, caret excerpt and help, exit 1, no stack trace", () => {
    const result = runCli(["check", policy]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("error[RRC2001]: unknown field `metods`");
    expect(result.stdout).toMatch(/--> .*format-policy\.json:4:49/);
    expect(result.stdout).toContain("^^^^^^^^");
    expect(result.stdout).toContain("did you mean `methods`?");
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });

  it("json: machine-readable diagnostics", () => {
    const result = runCli(["check", policy, "--format", "json"]);
    expect(result.status).toBe(1);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.errors).toBeGreaterThan(0);
    expect(parsed.diagnostics[0]).toMatchObject({
      code: "RRC2001",
      severity: "error",
      span: { line: 4, column: 49 },
    });
  });

  it("github: workflow annotations", () => {
    const result = runCli(["check", policy, "--format", "github"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /^::error file=.*format-policy\.json,line=4,col=49,title=RRC2001::unknown field/m,
    );
  });

  it("accepts a valid policy with exit 0", () => {
    const result = runCli(["check", JSON_EXAMPLE]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("ok: 1 proxies, 6 rules");
  });
});

describe("rrc eval and explain", () => {
  const bundle = join(work, "eval-bundle");
  const request = {
    proxy: "orders",
    credential: "reporting",
    method: "GET",
    path: "/orders/./42",
    headers: { "X-Tenant": "acme" },
  };

  it("prints exactly verdict, status, code, scope and rule", () => {
    expect(runCli(["build", JSON_EXAMPLE, "--out", bundle]).status).toBe(0);
    const result = runCli(["eval", "--bundle", bundle, "--request", "-"], { input: JSON.stringify(request) });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      verdict: "allow",
      status: 200,
      code: "access-granted",
      scope: "proxy",
      rule: "read-orders",
    });
  });

  it("evaluates straight from policy sources too", () => {
    const denied = { ...request, method: "POST", path: "/orders" };
    const result = runCli(["eval", JSON_EXAMPLE, "--request", "-"], { input: JSON.stringify(denied) });
    expect(JSON.parse(result.stdout)).toEqual({
      verdict: "deny",
      status: 403,
      code: "default-denied",
      scope: "proxy",
      rule: null,
    });
  });

  it("explains scope by scope", () => {
    const result = runCli(["explain", "--bundle", bundle, "--request", "-"], {
      input: JSON.stringify(request),
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("canonical form `/orders/42`");
    expect(result.stdout).toContain("✔ allow `read-orders` (priority 500) matched");
    expect(result.stdout).toContain("verdict  ALLOW by proxy rule `read-orders`");
  });

  it("rejects a malformed request with exit 1", () => {
    const result = runCli(["eval", "--bundle", bundle, "--request", "-"], { input: '{"proxy": 1}' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("request field `proxy` must be a string");
  });

  it("refuses a tampered bundle with a stable code", () => {
    const tampered = join(work, "tampered");
    expect(runCli(["build", JSON_EXAMPLE, "--out", tampered]).status).toBe(0);
    const file = join(tampered, "tables.json");
    const text = readFileSync(file, "utf8");
    expect(text).toContain('"read-orders"');
    writeFileSync(file, text.replace('"read-orders"', '"read-orderz"'));
    const result = runCli(["eval", "--bundle", tampered, "--request", "-"], {
      input: JSON.stringify(request),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("[bundle-digest-mismatch]");
  });
});

describe("usage errors", () => {
  it("unknown command and missing arguments exit 1 with one line", () => {
    for (const args of [["frobnicate"], ["build", JSON_EXAMPLE], ["eval", "--request", "-"], ["check"]]) {
      const result = runCli(args);
      expect(result.status, args.join(" ")).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
  it("a missing policy path is a diagnostic", () => {
    const result = runCli(["check", join(work, "does-not-exist")]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("error[RRC1001]");
  });
});
