// The authoring API's types reject invalid policies at type-check time: each
// `@ts-expect-error` below fails `tsc` (part of `npm test`) if the mistake type-checks.
import { describe, expect, it } from "vitest";
import { allow, definePolicy, deny, mergePolicies, type Rule } from "../../compiler/authoring/index.ts";

const key = "sha256:0000000000000000000000000000000000000000000000000000000000000000" as const;

function typeLevelMistakes(): void {
  definePolicy({
    // @ts-expect-error unknown top-level field
    proxys: [],
  });
  definePolicy({
    proxyCredentials: [
      {
        id: "c",
        auth: { type: "apiKey", keys: [key] },
        // @ts-expect-error effect must be allow or deny
        rules: [{ id: "r", effect: "allw" }],
      },
    ],
  });
  // @ts-expect-error methods are upper-case HTTP methods
  allow("r", { methods: ["get"] });
  // @ts-expect-error misspelt rule field
  deny("r", { paht: "^/admin" });
  definePolicy({
    targetCredentials: [
      // @ts-expect-error a secret is a reference, never a plaintext string
      { id: "tc", target: "t", auth: { type: "bearer", secret: "sk_live_123" } },
    ],
  });
  definePolicy({
    // @ts-expect-error keys are sha256: digests
    proxyCredentials: [{ id: "c", auth: { type: "apiKey", keys: ["plain-key"] } }],
  });
  definePolicy({
    // @ts-expect-error proxies must state their default
    proxies: [{ id: "p", target: "t", targetCredential: "tc", credentials: [] }],
  });
  const bad: Rule = {
    id: "r",
    effect: "allow",
    // @ts-expect-error only the `i` flag exists
    flags: "g",
  };
  void bad;
}

describe("authoring API", () => {
  it("builds rules and merges fragments without changing them", () => {
    const read = allow("read", { methods: ["GET"], path: "^/users$" });
    expect(read).toEqual({ id: "read", effect: "allow", methods: ["GET"], path: "^/users$" });
    expect(deny("no").effect).toBe("deny");
    const merged = mergePolicies(
      { targets: [{ id: "a", url: "http://127.0.0.1:1" }] },
      { targets: [{ id: "b", url: "http://127.0.0.1:2" }], proxies: [] },
    );
    expect(merged.targets?.map((target) => target.id)).toEqual(["a", "b"]);
    const policy = { proxies: [] };
    expect(definePolicy(policy)).toBe(policy);
    expect(typeof typeLevelMistakes).toBe("function");
  });
});
