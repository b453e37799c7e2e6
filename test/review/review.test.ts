// `rrc review` over generated decision logs: unused credentials and grants, rules never hit
// (reported, or re-evaluated for method/path-only rules), allow rules broader than their
// traffic with the observed shape, and admin access never used.
import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import type { ReviewReport } from "../../compiler/review/findings.ts";
import type { DecisionRecord } from "../../runtime/observe/decision-log.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { runCli } from "../support/run-cli.ts";

const dir = workspace("review");
const NOW = Date.parse("2025-06-30T00:00:00Z");
const DAY = 24 * 60 * 60 * 1000;
const digest = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}` as const;
const apiKey = (key: string) => ({ type: "apiKey" as const, keys: [digest(key)] });

const POLICY: PolicyDocument = {
  targets: [
    { id: "api", url: "http://127.0.0.1:9", rules: [{ id: "target-any", effect: "allow", path: "^/" }] },
  ],
  targetCredentials: [{ id: "api-none", target: "api", auth: { type: "none" } }],
  proxyCredentials: [
    { id: "alice", auth: apiKey("a") },
    { id: "bob", auth: apiKey("b") },
    { id: "carol", auth: apiKey("c") },
    { id: "dave", auth: apiKey("d") },
  ],
  proxies: [
    {
      id: "users",
      target: "api",
      targetCredential: "api-none",
      credentials: ["alice", "bob", "carol", "dave"],
      default: "deny",
      rules: [
        { id: "read-users", effect: "allow", methods: ["GET"], path: "^/api/users(/.*)?$" },
        {
          id: "write-users",
          effect: "allow",
          methods: ["POST"],
          path: "^/api/users$",
          credentials: ["alice"],
        },
        { id: "admin-panel", effect: "allow", path: "^/admin(/.*)?$", credentials: ["alice", "bob"] },
        {
          id: "tenants",
          effect: "allow",
          methods: ["GET"],
          path: "^/api/tenants$",
          headers: [{ name: "x-tenant" }],
        },
        { id: "no-delete", effect: "deny", methods: ["DELETE"], path: "^/api/" },
        { id: "legacy", effect: "allow", methods: ["GET"], path: "^/legacy$" },
      ],
    },
    {
      id: "billing",
      target: "api",
      targetCredential: "api-none",
      credentials: ["alice"],
      default: "deny",
      rules: [{ id: "read-invoices", effect: "allow", methods: ["GET"], path: "^/invoices/[0-9]+$" }],
    },
  ],
};

let n = 0;
function record(
  daysAgo: number,
  credential: string | null,
  proxy: string | null,
  request: string,
  outcome: Partial<DecisionRecord> = {},
): string {
  const [method, path] = request.split(" ") as [string, string];
  const allowed = outcome.verdict !== "deny";
  const line: DecisionRecord = {
    time: new Date(NOW - daysAgo * DAY).toISOString(),
    requestId: `req-${n++}`,
    proxy,
    credential,
    method,
    path,
    verdict: allowed ? "allow" : "deny",
    status: allowed ? 200 : 403,
    code: allowed ? "access-granted" : "default-denied",
    scope: "proxy",
    rule: null,
    decisionUs: 2,
    totalMs: 3,
    upstreamStatus: allowed ? 200 : null,
    ...outcome,
  };
  return JSON.stringify(line);
}

let bundle: string;
let logs: string[];

beforeAll(async () => {
  bundle = await buildPolicy(POLICY, dir);
  const older = [
    record(100, "dave", "users", "GET /api/users/9", { rule: "read-users" }),
    record(60, "alice", "billing", "GET /invoices/5", { rule: "read-invoices" }),
  ];
  const recent = [
    record(5, "alice", "users", "GET /api/users/1", { rule: "read-users" }),
    record(4, "alice", "users", "GET /api/users/22", { rule: "read-users" }),
    record(4, "alice", "users", "GET /api/users/333", { rule: "read-users" }),
    record(3, "alice", "users", "POST /api/users", { rule: "write-users" }),
    record(3, "alice", "users", "GET /admin/stats", { rule: "admin-panel" }),
    record(2, "bob", "users", "GET /api/users/7", { rule: "read-users" }),
    record(2, "bob", "users", "GET /api/users/7", {
      rule: "read-users",
      code: "rate-limited",
      verdict: "deny",
      status: 429,
    }),
    record(1, "bob", "users", "DELETE /api/users/7", {
      verdict: "deny",
      code: "rule-denied",
      rule: "no-delete",
    }),
    record(1, "bob", "users", "GET /other", { verdict: "deny", scope: "proxy" }),
    record(1, null, "users", "GET /api/users/1", {
      verdict: "deny",
      code: "unauthenticated",
      scope: null,
      status: 401,
    }),
    "this line is not JSON",
    JSON.stringify({ note: "nor is this a decision record" }),
  ];
  logs = [join(dir, "decisions.jsonl.1.gz"), join(dir, "decisions.jsonl")];
  writeFileSync(logs[0]!, gzipSync(older.join("\n") + "\n"));
  writeFileSync(logs[1]!, recent.join("\n") + "\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reviewJson(extra: string[] = []): ReviewReport {
  const result = runCli([
    "review",
    "--bundle",
    bundle,
    "--logs",
    ...logs,
    "--now",
    new Date(NOW).toISOString(),
    "--format",
    "json",
    ...extra,
  ]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ReviewReport;
}

describe("rrc review", () => {
  it("reads every file (gzip too) and counts the lines it skips", () => {
    const report = reviewJson();
    expect(report.logs).toMatchObject({ records: 12, skipped: 2 });
    expect(report.logs.first).toBe("2025-03-22T00:00:00.000Z");
    expect(report.window).toEqual({
      days: 30,
      since: "2025-05-31T00:00:00.000Z",
      now: "2025-06-30T00:00:00.000Z",
    });
  });

  it("finds credentials unused for N days (never, or not since) and grants unused on a proxy", () => {
    const report = reviewJson();
    expect(report.unusedCredentials).toEqual([
      { credential: "carol", lastSeen: null, proxies: ["users"] },
      { credential: "dave", lastSeen: "2025-03-22T00:00:00.000Z", proxies: ["users"] },
    ]);
    expect(report.unusedGrants).toEqual([
      { credential: "alice", proxy: "billing", lastSeen: "2025-05-01T00:00:00.000Z" },
    ]);
    const wider = reviewJson(["--unused-days", "120"]);
    expect(wider.unusedCredentials.map((item) => item.credential)).toEqual(["carol"]);
    expect(wider.unusedGrants).toEqual([]);
  });

  it("finds rules never hit, telling re-evaluated rules from those the log cannot show", () => {
    const report = reviewJson();
    const never = report.rulesNeverHit.map((item) => [item.rule, item.certain]);
    // target-any is never reported (the proxy's rule is), but re-evaluation shows it matched.
    expect(never).toEqual([
      ["tenants", false],
      ["legacy", true],
    ]);
  });

  it("finds allow rules broader than their traffic, with the observed shape and an example", () => {
    const broad = new Map(reviewJson().broadAllowRules.map((item) => [item.rule.rule, item]));
    expect(broad.get("read-users")).toMatchObject({
      served: 6, // the 429 was allowed by the rule, then refused by a meter
      distinctPaths: 5,
      observed: { methods: ["GET"], path: "^/api/users/[0-9]+$" },
      alsoAllows: "GET /api/users",
    });
    expect(broad.get("admin-panel")).toMatchObject({
      observed: { methods: ["GET"], path: "^/admin/stats$" },
      alsoAllows: "GET /admin",
    });
    expect(broad.get("target-any")?.observed.methods).toEqual(["GET", "POST"]); // any method, any path
    // Exactly as narrow as their traffic: nothing to say.
    expect(broad.has("write-users")).toBe(false);
    expect(broad.has("read-invoices")).toBe(false);
  });

  it("finds admin access a credential holds and never used", () => {
    expect(reviewJson().unusedAdminAccess).toEqual([
      {
        credential: "bob",
        proxies: ["users"],
        rule: {
          scope: "proxy",
          entity: "users",
          rule: "admin-panel",
          effect: "allow",
          methods: null,
          path: "^/admin(/.*)?$",
        },
      },
    ]);
  });

  it("renders Markdown by default", () => {
    const result = runCli([
      "review",
      "--bundle",
      bundle,
      "--logs",
      ...logs,
      "--now",
      new Date(NOW).toISOString(),
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("# Access review");
    expect(result.stdout).toContain("| `carol` | never | `users` |");
    expect(result.stdout).toContain("`^/api/users/[0-9]+$`");
    expect(result.stdout).toContain("`^/api/users(/.*)?$`");
    expect(result.stdout).toContain("| `bob` | `admin-panel` (proxy `users`) | `users` |");
    expect(result.stdout).toContain("2 lines skipped");
  });

  it.each([
    [["review", "--logs", "x.jsonl"], "--bundle"],
    [["review", "--bundle", "."], "--logs"],
    [["review", "--bundle", ".", "--logs", "x", "--format", "html"], "--format"],
    [["review", "--bundle", ".", "--logs", "x", "--unused-days", "soon"], "--unused-days"],
  ])("refuses bad arguments: %j", (args, flag) => {
    const result = runCli(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(flag);
  });

  it("refuses a missing log file and a bundle that fails verification", () => {
    const missing = runCli(["review", "--bundle", bundle, "--logs", join(dir, "nope.jsonl")]);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringContaining("cannot read the logs")]);
    const noBundle = runCli(["review", "--bundle", dir, "--logs", logs[1]!]);
    expect([noBundle.status, noBundle.stderr]).toEqual([1, expect.stringContaining("[bundle-unreadable]")]);
  });
});
