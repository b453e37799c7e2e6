// The fixed policies and request mixes the regression gate measures. Changing them changes
// every measure: re-baseline bench/check/thresholds.json in the same change.
import { createHash } from "node:crypto";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import { benchmarkRequests, generatePolicy } from "../policy-generator.ts";

export interface CheckPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
  readonly requests: readonly DecisionRequest[];
}

const digest = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}` as const;

/** The decide benchmark's generated policy: method and path rules only. */
export function generatedPolicy(ruleCount: number): CheckPolicy {
  return {
    name: `generated-${ruleCount}`,
    document: generatePolicy(ruleCount),
    requests: benchmarkRequests(ruleCount),
  };
}

/** Rules in all four scopes that read headers, query parameters, the body and claims. */
export function fieldsPolicy(): CheckPolicy {
  const document: PolicyDocument = {
    targets: [
      {
        id: "upstream",
        url: "http://127.0.0.1:9",
        rules: [{ id: "no-debug", effect: "deny", query: [{ name: "debug", presence: "present" }] }],
      },
    ],
    targetCredentials: [
      {
        id: "none",
        target: "upstream",
        auth: { type: "none" },
        rules: [{ id: "no-trace", effect: "deny", methods: ["TRACE"] }],
      },
    ],
    proxyCredentials: [
      {
        id: "caller",
        auth: { type: "apiKey", keys: [digest("caller-key")] },
        rules: [{ id: "no-evil-tenant", effect: "deny", headers: [{ name: "x-tenant", value: "^evil" }] }],
      },
      {
        id: "user",
        auth: {
          type: "jwks",
          jwksUri: "https://issuer.example/jwks",
          issuer: "https://issuer.example/",
          audience: "api",
          algorithms: ["RS256"],
        },
        default: "deny",
        rules: [{ id: "users-read", effect: "allow", methods: ["GET", "HEAD"], path: "^/v1/" }],
      },
    ],
    proxies: [
      {
        id: "api",
        target: "upstream",
        targetCredential: "none",
        credentials: ["caller", "user"],
        default: "deny",
        rules: [
          { id: "read", effect: "allow", methods: ["GET", "HEAD"], path: "^/v1/items(/[0-9]+)?$" },
          {
            id: "small-charges",
            effect: "allow",
            methods: ["POST"],
            path: "^/v1/charges$",
            body: [{ path: "$.amount", value: "^[0-9]{1,4}$" }],
          },
          {
            id: "admin-only",
            effect: "deny",
            priority: 900,
            path: "^/v1/admin(/.*)?$",
            token: [{ claim: "roles", value: "^admin$", presence: "absent" }],
          },
          { id: "admin", effect: "allow", path: "^/v1/admin(/.*)?$" },
          {
            id: "beta",
            effect: "allow",
            methods: ["GET"],
            path: "^/v2/",
            headers: [{ name: "x-beta", value: "^(yes|1)$" }],
            flags: "i",
          },
        ],
      },
    ],
  };
  const request = (
    credential: string,
    method: string,
    path: string,
    extra: Partial<DecisionRequest> = {},
  ): DecisionRequest => ({ proxy: "api", credential, method, path, headers: {}, query: {}, ...extra });
  const requests: DecisionRequest[] = [
    request("caller", "GET", "/v1/items/42"),
    request("caller", "GET", "/v1/items", { headers: { "x-tenant": "acme" } }),
    request("caller", "GET", "/v1/items", { headers: { "x-tenant": "evil-corp" } }),
    request("caller", "GET", "/v1/items/1", { query: { debug: "1" } }),
    request("caller", "POST", "/v1/charges", { body: { amount: 1200 } }),
    request("caller", "POST", "/v1/charges", { body: { amount: 120000 } }),
    request("caller", "GET", "/v2/beta", { headers: { "x-beta": "YES" } }),
    request("caller", "GET", "/v2/beta"),
    request("caller", "TRACE", "/v1/items"),
    request("user", "GET", "/v1/items/7", { claims: { sub: "u1" } }),
    request("user", "GET", "/v1/admin/users", { claims: { sub: "u1", roles: ["reader"] } }),
    request("user", "GET", "/v1/admin/users", { claims: { sub: "u2", roles: ["reader", "admin"] } }),
    request("user", "POST", "/v1/charges", { claims: { sub: "u1" }, body: { amount: 5 } }),
    request("caller", "DELETE", "/nope"),
    request("stranger", "GET", "/v1/items"),
    request("caller", "GET", "/v1/../v1/items/9"),
  ];
  return { name: "fields", document, requests };
}
