// decide() remembers each scope's path-set matches per canonical path (runtime/decision/engine.ts).
// A remembered answer must be the one a fresh match gives: repeated paths, more distinct paths than
// the cache holds (it starts over), and paths too long to be remembered all agree with the interpreter.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import { buildThreeWays } from "../support/three-ways.ts";

const workspace = mkdtempSync(join(tmpdir(), "rrc-path-matches-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const policy = {
  targets: [{ id: "api", url: "https://api.example.com" }],
  targetCredentials: [{ id: "none", target: "api", auth: { type: "none" } }],
  proxyCredentials: [{ id: "caller", auth: { type: "apiKey", keys: [`sha256:${"a".repeat(64)}`] } }],
  proxies: [
    {
      id: "p",
      target: "api",
      targetCredential: "none",
      credentials: ["caller"],
      default: "deny",
      rules: [
        { id: "items", effect: "allow", methods: ["GET"], path: "^/items/[0-9]+$" },
        { id: "no-secret", effect: "deny", path: "/secret" },
        { id: "long", effect: "allow", methods: ["GET"], path: "^/long/x+$" },
      ],
    },
  ],
};

it("answers remembered paths as fresh ones, past the cache's size and length bounds", async () => {
  const file = join(workspace, "policy.json");
  writeFileSync(file, JSON.stringify(policy));
  const built = await buildThreeWays([file]);
  const request = (path: string, method = "GET"): DecisionRequest => ({
    proxy: "p",
    credential: "caller",
    method,
    path,
  });
  try {
    // Near neighbours answer differently: a wrong key or a stale entry would show.
    const paths = [
      ...Array.from({ length: 1_100 }, (_, index) => [
        `/items/${index}`,
        `/items/${index}a`,
        `/items/${index}/secret`,
      ]).flat(),
      "/items/7/secret",
      `/long/${"x".repeat(300)}`,
      "/elsewhere",
    ];
    const verdicts = new Map<string, string>();
    // Three passes: the first fills (and overflows) the cache, the later ones answer from it.
    for (let pass = 0; pass < 3; pass++) {
      for (const path of paths) {
        const decision = built.decide(request(path));
        const earlier = verdicts.get(path);
        if (earlier !== undefined) expect(`${decision.code}:${decision.rule}`).toBe(earlier);
        verdicts.set(path, `${decision.code}:${decision.rule}`);
      }
    }
    expect(verdicts.get("/items/5")).toBe("access-granted:items");
    expect(verdicts.get("/items/5a")).toBe("default-denied:null");
    expect(verdicts.get("/items/50/secret")).toBe("rule-denied:no-secret");
    expect(verdicts.get("/items/7/secret")).toBe("rule-denied:no-secret");
    expect(verdicts.get(`/long/${"x".repeat(300)}`)).toBe("access-granted:long");
    expect(verdicts.get("/elsewhere")).toBe("default-denied:null");
    // The same path under another method reuses the matches but not the method check.
    expect(built.decide(request("/items/5", "DELETE")).code).toBe("default-denied");
  } finally {
    built.dispose();
  }
});
