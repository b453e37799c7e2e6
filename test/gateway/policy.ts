// The policy the gateway end-to-end tests build: API-key callers in header and query,
// body, header and path rules, a response filter, and a target nobody listens on.
import { createHash } from "node:crypto";
import type { PolicyDocument, Rule } from "../../compiler/authoring/types.ts";

export const digest = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}` as const;

export const KEYS = {
  reader: "reader-key-1",
  writer: "writer-key-2",
  query: "query-key-3",
  outsider: "outsider-key-4",
};
export const UPSTREAM_TOKEN = "upstream-secret-token";

/** `extraRules` are appended to the `main` proxy's rules. */
export function gatewayPolicy(upstreamUrl: string, deadUrl: string, extraRules: readonly Rule[] = []) {
  const policy: PolicyDocument = {
    targets: [
      {
        id: "api",
        url: upstreamUrl,
        filters: [
          {
            op: "destroy",
            paths: ["$.data[*].card.number"],
            match: { path: "^/(json|text|big|pretty|gzip)" },
          },
        ],
      },
      { id: "dead", url: deadUrl },
    ],
    targetCredentials: [
      {
        id: "api-token",
        target: "api",
        auth: { type: "bearer", secret: { env: "RRC_TEST_UPSTREAM_TOKEN" } },
      },
      { id: "dead-none", target: "dead", auth: { type: "none" } },
    ],
    proxyCredentials: [
      { id: "reader", auth: { type: "apiKey", keys: [digest(KEYS.reader)] } },
      { id: "writer", auth: { type: "apiKey", keys: [digest(KEYS.writer)] } },
      { id: "by-query", auth: { type: "apiKey", keys: [digest(KEYS.query)], query: "api_key" } },
      { id: "outsider", auth: { type: "apiKey", keys: [digest(KEYS.outsider)] } },
    ],
    proxies: [
      {
        id: "main",
        target: "api",
        targetCredential: "api-token",
        credentials: ["reader", "writer", "by-query"],
        default: "deny",
        bodyLimit: 256,
        filters: [{ op: "mask", detect: ["email"], match: { path: "^/json" } }],
        rules: [
          {
            id: "read",
            effect: "allow",
            methods: ["GET", "HEAD"],
            path: "^/(json|text|big|pretty|gzip|slow|echo|status)(/.*)?$",
          },
          { id: "write", effect: "allow", methods: ["POST"], path: "^/echo$", credentials: ["writer"] },
          {
            id: "big-amounts",
            effect: "deny",
            methods: ["POST"],
            path: "^/echo$",
            body: [{ path: "$.amount", value: "^[0-9]{4,}$" }],
          },
          { id: "no-admin", effect: "deny", priority: 900, path: "^/admin(/.*)?$" },
          { id: "no-evil-tenant", effect: "deny", headers: [{ name: "x-tenant", value: "^evil$" }] },
          ...extraRules,
        ],
      },
      {
        id: "down",
        target: "dead",
        targetCredential: "dead-none",
        credentials: ["reader"],
        default: "allow",
      },
    ],
  };
  return policy;
}
