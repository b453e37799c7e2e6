// The pruning rule (compiler/analyze/prune.ts), case by case: what may be left out of the
// emitted tables and what must stay because it can still be the verdict's cause or the
// reported rule. Each policy is also decided three ways on requests that touch its rules.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PolicyDocument, Rule } from "../../compiler/authoring/types.ts";
import { buildThreeWays } from "../support/three-ways.ts";

const workspace = mkdtempSync(join(tmpdir(), "rrc-prune-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly proxy: readonly Rule[];
  readonly proxyDefault?: "allow" | "deny";
  readonly target?: readonly Rule[];
  readonly targetDefault?: "allow" | "deny";
  readonly pruned: readonly string[];
}

const CASES: Case[] = [
  {
    name: "an allow covered by a same-scope deny",
    proxy: [
      { id: "export", effect: "allow", methods: ["GET"], path: "^/admin/export$" },
      { id: "no-admin", effect: "deny", path: "^/admin" },
    ],
    pruned: ["proxy:p:export"],
  },
  {
    name: "an allow covered by a deny of another scope (the target)",
    proxy: [{ id: "internal", effect: "allow", path: "^/internal/" }],
    target: [{ id: "no-internal", effect: "deny", path: "^/internal" }],
    pruned: ["proxy:p:internal"],
  },
  {
    name: "an allow covered by an allow reported before it, in its own default-deny scope",
    proxy: [
      { id: "reads", effect: "allow", methods: ["GET"], path: "^/v1/", priority: 900 },
      { id: "charges", effect: "allow", methods: ["GET"], path: "^/v1/charges$" },
    ],
    pruned: ["proxy:p:charges"],
  },
  {
    name: "but not the allow reported first (it names the allowed requests)",
    proxy: [
      { id: "reads", effect: "allow", methods: ["GET"], path: "^/v1/" },
      { id: "charges", effect: "allow", methods: ["GET"], path: "^/v1/charges$", priority: 900 },
    ],
    pruned: [],
  },
  {
    name: "not when the covering allow is in another scope and its own scope denies by default",
    proxy: [{ id: "charges", effect: "allow", methods: ["GET"], path: "^/v1/charges$" }],
    target: [{ id: "reads", effect: "allow", methods: ["GET"], path: "^/v1/", priority: 900 }],
    targetDefault: "deny",
    pruned: [],
  },
  {
    name: "a redundant allow of a default-allow scope, reported after an allow that covers it",
    proxy: [{ id: "reads", effect: "allow", methods: ["GET"], path: "^/v1/", priority: 900 }],
    target: [{ id: "charges", effect: "allow", methods: ["GET"], path: "^/v1/charges$" }],
    pruned: ["target:t:charges"],
  },
  {
    name: "but not a redundant allow of a default-allow scope that is reported first",
    proxy: [{ id: "reads", effect: "allow", methods: ["GET"], path: "^/v1/" }],
    target: [{ id: "charges", effect: "allow", methods: ["GET"], path: "^/v1/charges$", priority: 900 }],
    pruned: [],
  },
  {
    name: "a deny covered by a deny reported before it; not the one reported first",
    proxy: [
      { id: "reads", effect: "allow", path: "^/" },
      { id: "no-admin", effect: "deny", path: "^/admin", priority: 900 },
      { id: "no-admin-users", effect: "deny", path: "^/admin/users" },
      { id: "no-secrets", effect: "deny", path: "^/secrets", priority: 100 },
      { id: "no-secret-keys", effect: "deny", path: "^/secrets/keys", priority: 1000 },
    ],
    proxyDefault: "allow",
    pruned: ["proxy:p:no-admin-users"],
  },
  {
    name: "not when the covering deny has header, query, body or token checks",
    proxy: [
      { id: "export", effect: "allow", path: "^/export$" },
      { id: "no-export", effect: "deny", path: "^/export", headers: [{ name: "x-tenant", value: "^acme$" }] },
    ],
    pruned: [],
  },
  {
    name: "a covered allow with conditions of its own, but not one with body checks",
    proxy: [
      { id: "tagged", effect: "allow", path: "^/a$", headers: [{ name: "x-tag" }] },
      { id: "with-body", effect: "allow", path: "^/a$", body: [{ path: "$.x", value: "^1$" }] },
      { id: "no-a", effect: "deny", path: "^/a" },
    ],
    pruned: ["proxy:p:tagged"],
  },
  {
    name: "a body rule that can apply to nothing",
    proxy: [
      { id: "dead-body", effect: "allow", path: "^v1", body: [{ path: "$.x" }] },
      { id: "limited", effect: "deny", credentials: ["c9"], path: "^/x" },
    ],
    pruned: ["proxy:p:dead-body", "proxy:p:limited"],
  },
  {
    name: "not when the covering rules miss a method or a credential",
    proxy: [
      { id: "files", effect: "allow", path: "^/files/" },
      {
        id: "no-get-files",
        effect: "deny",
        methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        path: "^/files",
      },
      { id: "other", effect: "allow", path: "^/other/" },
      { id: "no-other", effect: "deny", path: "^/other", credentials: ["c0"] },
    ],
    pruned: [],
  },
];

function policy(entry: Case): PolicyDocument {
  return {
    targets: [
      { id: "t", url: "http://127.0.0.1:9", rules: entry.target ?? [], default: entry.targetDefault },
    ],
    targetCredentials: [{ id: "tc", target: "t", auth: { type: "none" } }],
    proxyCredentials: ["c0", "c1", "c9"].map((id, index) => ({
      id,
      auth: { type: "apiKey" as const, keys: [`sha256:${String(index).repeat(64)}` as const] },
    })),
    proxies: [
      {
        id: "p",
        target: "t",
        targetCredential: "tc",
        credentials: ["c0", "c1"],
        default: entry.proxyDefault ?? "deny",
        rules: entry.proxy,
      },
    ],
  };
}

const PATHS = [
  "/",
  "/v1/charges",
  "/v1/x",
  "/admin",
  "/admin/users",
  "/admin/export",
  "/secrets/keys",
  "/secrets",
  "/internal/x",
  "/export",
  "/a",
  "/files/1",
  "/other/1",
  "/x",
];

describe.each(CASES)("pruning: $name", (entry) => {
  it("lists exactly these rules in the manifest, and decides alike", async () => {
    const file = join(workspace, `${entry.name.replace(/[^a-z]+/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(policy(entry), null, 2));
    const built = await buildThreeWays([file]);
    try {
      const manifest = built.result.bundle!.manifest;
      expect(manifest.pruned).toEqual(entry.pruned);
      expect(manifest.stats.rulesPruned).toBe(entry.pruned.length);
      for (const credential of ["c0", "c1"]) {
        for (const method of ["GET", "POST", "OPTIONS", "PURGE"]) {
          for (const path of PATHS) {
            for (const headers of [{}, { "x-tenant": "acme", "x-tag": "1" }] as Record<string, string>[]) {
              built.decide({ proxy: "p", credential, method, path, headers, query: {}, body: '{"x":1}' });
            }
          }
        }
      }
    } finally {
      built.dispose();
    }
  });
});

it("prunes the rules of a proxy that accepts no credentials (they are never evaluated)", async () => {
  const document = policy({
    name: "unreachable",
    proxy: [{ id: "reads", effect: "allow", methods: ["GET"] }],
    pruned: [],
  });
  const proxies = [...document.proxies!, { ...document.proxies![0]!, id: "q", credentials: [] }];
  const file = join(workspace, "unreachable.json");
  writeFileSync(file, JSON.stringify({ ...document, proxies }, null, 2));
  const built = await buildThreeWays([file]);
  try {
    expect(built.result.bundle!.manifest.pruned).toEqual(["proxy:q:reads"]);
    expect(built.result.diagnostics.map((item) => item.code)).toEqual(["RRC3009"]);
    built.decide({ proxy: "p", credential: "c0", method: "GET", path: "/" });
    built.decide({ proxy: "q", credential: "c0", method: "GET", path: "/" });
  } finally {
    built.dispose();
  }
});
