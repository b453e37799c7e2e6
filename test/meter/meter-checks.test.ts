// Compile-time meter checks RRC3101–RRC3103 (compiler/validate/meters.ts): small policies compiled
// from a temp dir, with the code, severity and line/column of each diagnostic and of its notes.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/pipeline.ts";
import { emptyReason } from "../../compiler/validate/meters.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");
const DIGEST = "sha256:2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90";

/** A policy whose one proxy has `rules` and `meters`, laid out so that line 14 is the first meter line. */
function policyText(meters: string, rules = "[]", proxyDefault = "deny"): string {
  return `{
  "targets": [{ "id": "api", "url": "https://api.example.com" }],
  "targetCredentials": [{ "id": "tc", "target": "api", "auth": { "type": "none" } }],
  "proxyCredentials": [{ "id": "alice", "auth": { "type": "apiKey", "keys": ["${DIGEST}"] } }],
  "proxies": [
    {
      "id": "p",
      "target": "api",
      "targetCredential": "tc",
      "credentials": ["alice"],
      "default": "${proxyDefault}",
      "rules": ${rules},
      "meters": [
${meters}
      ]
    }
  ]
}
`;
}

async function check(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "rrc-meter-checks-"));
  writeFileSync(join(dir, "policy.json"), text);
  const result = await compile({ paths: [dir], cwd: dir, until: "flatten" });
  return {
    ok: result.ok,
    diagnostics: result.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      line: d.span?.line,
      column: d.span?.column,
      notes: (d.notes ?? []).map((note) => [note.span?.line, note.span?.column]),
    })),
  };
}

const ALLOW_GET = `[{ "id": "reads", "effect": "allow", "methods": ["GET", "HEAD"] }]`;

describe("meter checks", () => {
  it("accepts sensible meters, including the example's", async () => {
    const result = await check(
      policyText(
        `        { "id": "rate", "limits": { "minute": 10, "hour": 100 } },
        { "id": "reads", "match": { "methods": ["GET"], "path": "^/v1/" } },
        { "id": "tokens", "value": "$.usage.total_tokens", "limits": { "day": 1000 } },
        { "id": "costs", "value": "$.items[*].cost" }`,
        ALLOW_GET,
      ),
    );
    expect(result).toEqual({ ok: true, diagnostics: [] });
    for (const example of readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const built = await compile({ paths: [join(EXAMPLES, example.name)], cwd: EXAMPLES, until: "flatten" });
      expect(
        built.diagnostics.filter((d) => d.code.startsWith("RRC31")),
        example.name,
      ).toEqual([]);
    }
  });

  it("RRC3101: warns at a longer window that allows no more than a shorter one", async () => {
    const result = await check(
      policyText(`        { "id": "r", "limits": { "minute": 100, "hour": 50, "day": 5000 } },
        { "id": "same", "limits": { "hour": 10, "month": 10 } }`),
    );
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([
      { code: "RRC3101", severity: "warning", line: 14, column: 57, notes: [[14, 44]] },
      { code: "RRC3101", severity: "warning", line: 15, column: 58, notes: [[15, 45]] },
    ]);
  });

  it("RRC3102: rejects value paths that cannot select one number", async () => {
    const result = await check(
      policyText(`        { "id": "a", "value": "$" },
        { "id": "b", "value": "$.usage.*" },
        { "id": "c", "value": "$..*", "limits": { "day": 5 } },
        { "id": "d", "value": "$.usage[*]" }`),
    );
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toEqual(
      [14, 15, 16, 17].map((line) => ({ code: "RRC3102", severity: "error", line, column: 31, notes: [] })),
    );
  });

  it("RRC3103: warns when the proxy allows none of the meter's methods", async () => {
    const meters = `        { "id": "writes", "match": { "methods": ["POST", "PUT"] } },
        { "id": "reads", "match": { "methods": ["GET", "POST"] } }`;
    const result = await check(policyText(meters, ALLOW_GET));
    expect(result.diagnostics).toEqual([
      { code: "RRC3103", severity: "warning", line: 14, column: 49, notes: [] },
    ]);
    // Under `default: allow` every method can pass, unless a deny rule with no other condition blocks it.
    expect((await check(policyText(meters, "[]", "allow"))).diagnostics).toEqual([]);
    const denyWrites = `[{ "id": "no-writes", "effect": "deny", "methods": ["POST", "PUT"] }]`;
    expect((await check(policyText(meters, denyWrites, "allow"))).diagnostics).toEqual([
      { code: "RRC3103", severity: "warning", line: 14, column: 49, notes: [] },
    ]);
  });

  it("RRC3103: warns when the meter's path regex is obviously empty", async () => {
    const result = await check(
      policyText(
        `        { "id": "a", "match": { "path": "[^\\\\d\\\\D]" } },
        { "id": "b", "match": { "path": "$^x" } },
        { "id": "c", "match": { "path": "^v1/charges" } },
        { "id": "d", "match": { "path": "^/v1/charges" } }`,
        "[]",
        "allow",
      ),
    );
    expect(result.diagnostics).toEqual(
      [14, 15, 16].map((line) => ({ code: "RRC3103", severity: "warning", line, column: 41, notes: [] })),
    );
  });
});

describe("emptyReason", () => {
  it.each([
    ["[^\\s\\S]", "matches no character"],
    ["/a[^\\D\\d]", "matches no character"],
    ["[^[:alpha:][:^alpha:]]", "matches no character"],
    ["$^x", "after `$`"],
    ["^/a$/b", "after `$`"],
    ["/x^", "before `^`"],
    ["\\Av1", "canonical paths begin with `/`"],
    ["^v1|^api", "canonical paths begin with `/`"],
    ["^V1", "canonical paths begin with `/`"],
  ])("%s can match no path", (pattern, reason) => {
    expect(emptyReason(pattern, true)).toContain(reason);
  });

  it.each([
    "^/v1/",
    "[^\\s\\S]*",
    "$",
    "^$",
    "a$|^/b",
    "^(v1)",
    "^v?/x",
    "^\\/x",
    "(?m)$^x",
    "x{0}^/a",
    "[^\\s]",
    "^.",
    "charges",
    "[^\\s\\S",
  ])("%s is not reported", (pattern) => {
    expect(emptyReason(pattern, false)).toBeNull();
  });
});
