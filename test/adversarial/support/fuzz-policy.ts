// A small policy whose rules the random requests of live-vs-eval.fuzz.test.ts hit often:
// every scope has rules, every field kind is inspected, and the vocabulary of the request
// generator (./fuzz-requests.ts) is built from the same words.
import type { PolicyDocument } from "../../../compiler/authoring/types.ts";
import { digest } from "./policy.ts";

export const FUZZ_KEYS = {
  k1: "fuzz-key-one",
  k2: "fuzz-key-two",
  k3: "fuzz-key-three",
  k4: "fuzz-key-four",
};

export function fuzzPolicy(upstreamUrl: string): PolicyDocument {
  return {
    targets: [
      {
        id: "api",
        url: upstreamUrl,
        rules: [{ id: "t-blocked", effect: "deny", path: "^/blocked" }],
      },
    ],
    targetCredentials: [
      {
        id: "api-token",
        target: "api",
        auth: { type: "bearer", secret: { env: "RRC_FUZZ_TOKEN" } },
        rules: [{ id: "tc-no-trace", effect: "deny", methods: ["OPTIONS"], path: "^/items" }],
      },
    ],
    proxyCredentials: [
      { id: "k1", auth: { type: "apiKey", keys: [digest(FUZZ_KEYS.k1)] } },
      {
        id: "k2",
        auth: { type: "apiKey", keys: [digest(FUZZ_KEYS.k2)] },
        rules: [{ id: "k2-no-vip-read", effect: "deny", methods: ["GET"], path: "^/vip" }],
      },
      {
        id: "k3",
        auth: { type: "apiKey", keys: [digest(FUZZ_KEYS.k3)], query: "key" },
        default: "deny",
        rules: [
          { id: "k3-reads", effect: "allow", methods: ["GET", "HEAD"] },
          { id: "k3-no-delete", effect: "deny", methods: ["DELETE"] },
        ],
      },
      { id: "k4", auth: { type: "apiKey", keys: [digest(FUZZ_KEYS.k4)] } },
    ],
    proxies: [
      {
        id: "alpha",
        target: "api",
        targetCredential: "api-token",
        credentials: ["k1", "k2", "k3"],
        default: "deny",
        bodyLimit: 512,
        rules: [
          { id: "items-read", effect: "allow", methods: ["GET", "HEAD"], path: "^/items(/[0-9]+)?$" },
          {
            id: "items-write",
            effect: "allow",
            methods: ["POST", "PUT"],
            path: "^/items$",
            credentials: ["k2"],
          },
          { id: "pub", effect: "allow", path: "^/pub(/.*)?$" },
          { id: "pub-secret", effect: "deny", priority: 800, path: "^/pub/secret", flags: "i" },
          {
            id: "big-qty",
            effect: "deny",
            path: "^/items$",
            body: [{ path: "$.qty", value: "^[0-9]{3,}$" }],
          },
          {
            id: "vip-only",
            effect: "allow",
            methods: ["POST"],
            path: "^/vip$",
            body: [{ path: "$.tags[*]", value: "^vip$" }],
          },
          { id: "no-debug-mode", effect: "deny", headers: [{ name: "x-mode", value: "^debug$" }] },
          { id: "no-admin-param", effect: "deny", query: [{ name: "admin" }] },
          {
            id: "tenant-required",
            effect: "deny",
            path: "^/pub/t",
            headers: [{ name: "x-tenant", presence: "absent" }],
          },
        ],
      },
      {
        id: "beta",
        target: "api",
        targetCredential: "api-token",
        credentials: ["k1", "k3"],
        default: "allow",
        bodyLimit: 512,
        rules: [
          { id: "no-admin", effect: "deny", priority: 900, path: "^/admin(/.*)?$", flags: "i" },
          { id: "no-evil", effect: "deny", headers: [{ name: "x-tenant", value: "^evil$" }] },
          { id: "no-debug", effect: "deny", query: [{ name: "debug", value: "^(1|true)$" }] },
          {
            id: "no-role-admin",
            effect: "deny",
            methods: ["POST", "PUT", "PATCH"],
            body: [{ path: "$..role", value: "^admin$" }],
          },
        ],
      },
    ],
  };
}
