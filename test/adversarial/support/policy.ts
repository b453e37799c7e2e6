// The policy the adversarial suites attack. `app` is an allow-list (default deny): reads of
// /public and /orders, writes of /orders for the writer, an admin area denied to everyone
// (case-insensitively: the upstream routes without case), body, query and header denials.
// `open` is a deny-list (default allow) reached by path or by the host `open.test`: only
// its admin area and report exports (`/reports/{id}:export`) are denied, so any way
// around those rules would show.
import { createHash } from "node:crypto";
import type { PolicyDocument } from "../../../compiler/authoring/types.ts";

export const digest = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}` as const;

export const KEYS = {
  reader: "adv-reader-key-0001",
  writer: "adv-writer-key-0002",
  query: "adv-query-key-0003",
  stranger: "adv-stranger-key-0004",
};
export const UPSTREAM_TOKEN = "adv-upstream-token-SECRET-9f8e7d";
export const HS_SECRET = "adv-hs-shared-secret-0123456789abcdef";
export const ISSUER = "https://sso.adversarial.test";
export const HS_ISSUER = "https://hs.adversarial.test";
export const AUDIENCE = "rrc-adversarial";
export const BASIC_USER = "alice";
export const BASIC_PASSWORD = "wünderland-ß-✓";

export const ENV = { RRC_ADV_UPSTREAM_TOKEN: UPSTREAM_TOKEN, RRC_ADV_HS_SECRET: HS_SECRET };

export function adversarialPolicy(
  upstreamUrl: string,
  jwksUri: string,
  passwordHash: string,
): PolicyDocument {
  return {
    targets: [{ id: "framework", url: upstreamUrl }],
    targetCredentials: [
      {
        id: "framework-token",
        target: "framework",
        auth: { type: "bearer", secret: { env: "RRC_ADV_UPSTREAM_TOKEN" } },
      },
    ],
    proxyCredentials: [
      { id: "reader", auth: { type: "apiKey", keys: [digest(KEYS.reader)] } },
      { id: "writer", auth: { type: "apiKey", keys: [digest(KEYS.writer)] } },
      { id: "by-query", auth: { type: "apiKey", keys: [digest(KEYS.query)], query: "api_key" } },
      { id: "stranger", auth: { type: "apiKey", keys: [digest(KEYS.stranger)] } },
      {
        id: "sso",
        auth: { type: "jwks", jwksUri, issuer: ISSUER, audience: AUDIENCE, algorithms: ["RS256"] },
      },
      {
        id: "hs",
        auth: {
          type: "jwks",
          secret: { env: "RRC_ADV_HS_SECRET" },
          issuer: HS_ISSUER,
          audience: AUDIENCE,
          algorithms: ["HS256"],
        },
      },
      {
        id: "alice",
        auth: { type: "basic", username: BASIC_USER, passwordHash: passwordHash as `scrypt:${string}` },
      },
    ],
    proxies: [
      {
        id: "app",
        target: "framework",
        targetCredential: "framework-token",
        credentials: ["reader", "writer", "by-query", "sso", "hs", "alice"],
        default: "deny",
        bodyLimit: 4096,
        rules: [
          { id: "read", effect: "allow", methods: ["GET", "HEAD"], path: "^/(public|orders)(/.*)?$" },
          { id: "write", effect: "allow", methods: ["POST"], path: "^/orders$", credentials: ["writer"] },
          { id: "no-admin", effect: "deny", priority: 900, path: "^/admin(/.*)?$", flags: "i" },
          {
            id: "big-amount",
            effect: "deny",
            methods: ["POST"],
            path: "^/orders$",
            body: [{ path: "$.amount", value: "^[0-9]{5,}$" }],
          },
          {
            id: "no-role-escalation",
            effect: "deny",
            methods: ["POST"],
            path: "^/orders$",
            body: [{ path: "$.role", value: "^admin$" }],
          },
          { id: "no-debug", effect: "deny", query: [{ name: "debug" }] },
          { id: "no-evil-tenant", effect: "deny", headers: [{ name: "x-tenant", value: "^evil$" }] },
        ],
      },
      {
        id: "open",
        target: "framework",
        targetCredential: "framework-token",
        credentials: ["reader"],
        hosts: ["open.test"],
        default: "allow",
        rules: [
          { id: "open-no-admin", effect: "deny", priority: 900, path: "^/admin(/.*)?$", flags: "i" },
          { id: "no-export", effect: "deny", path: "^/reports/[^/]+:export$" },
        ],
      },
    ],
  };
}
