// Three internal APIs behind three proxies. Who may do what on which proxy is one table;
// accessRules (./access.ts) turns each proxy's row into its rules.
import { allow, definePolicy, deny } from "rrc";
import { type AccessTable, acceptedCredentials, accessRules, USERS_PATH } from "./access.ts";

const ACCESS: AccessTable = {
  payments: { key_4a2f: "readwrite", key_9c1e: "read", key_2b7d: "read" },
  analytics: { key_4a2f: "read", key_9c1e: "read+admin" },
  staging: { key_2b7d: "readwrite" },
};

/** Callers accepted on top of the table's API keys, with rules of their own below. */
const SSO = ["user-sso"];

export default definePolicy({
  targets: [
    {
      id: "payments-api",
      url: "http://127.0.0.1:8101",
      rules: [
        deny("no-card-details", {
          priority: 950,
          query: [{ name: "include", value: "(^|,)card_details(,|$)" }],
          notes: "raw card details never leave the payments API, whoever asks",
        }),
      ],
    },
    { id: "analytics-api", url: "http://127.0.0.1:8102" },
    { id: "staging-api", url: "http://127.0.0.1:8103" },
  ],
  targetCredentials: [
    {
      id: "payments-upstream",
      target: "payments-api",
      auth: { type: "bearer", secret: { env: "PAYMENTS_API_TOKEN" } },
    },
    {
      id: "analytics-upstream",
      target: "analytics-api",
      auth: { type: "apiKey", header: "x-analytics-key", secret: { env: "ANALYTICS_API_KEY" } },
    },
    {
      id: "staging-upstream",
      target: "staging-api",
      auth: { type: "basic", username: "gateway", password: { env: "STAGING_API_PASSWORD" } },
    },
  ],
  proxyCredentials: [
    {
      id: "key_4a2f",
      auth: {
        type: "apiKey",
        keys: ["sha256:15c36e67e217d45b4c5735ae576186ad40050544a5a70d632eda4e5fb9cdd01d"],
      },
    },
    {
      id: "key_9c1e",
      auth: {
        type: "apiKey",
        keys: ["sha256:9e01ed7200e6fb51564d984e4fc0870d20fa6cc4c0fc4f9271fb4427689983b9"],
      },
    },
    {
      id: "key_2b7d",
      auth: {
        type: "apiKey",
        keys: ["sha256:71774f35a137de306b3429fab17c02ac53eeced3b541b17d3b4810083ff46adb"],
      },
    },
    {
      id: "user-sso",
      auth: {
        type: "jwks",
        jwksUri: "http://127.0.0.1:9999/.well-known/jwks.json",
        issuer: "http://127.0.0.1:9999/",
        audience: "analytics",
        algorithms: ["RS256"],
      },
    },
  ],
  proxies: [
    {
      id: "payments",
      target: "payments-api",
      targetCredential: "payments-upstream",
      credentials: acceptedCredentials(ACCESS, "payments"),
      default: "deny",
      rules: accessRules(ACCESS, "payments"),
    },
    {
      id: "analytics",
      target: "analytics-api",
      targetCredential: "analytics-upstream",
      credentials: acceptedCredentials(ACCESS, "analytics", SSO),
      default: "deny",
      rules: [
        ...accessRules(ACCESS, "analytics", SSO),
        allow("sso-read-users", {
          methods: ["GET"],
          path: USERS_PATH,
          credentials: ["user-sso"],
          token: [{ claim: "sub", value: "^user@email\\.com$" }],
          notes: "single sign-on users read users only, and only this one subject",
        }),
      ],
    },
    {
      id: "staging",
      target: "staging-api",
      targetCredential: "staging-upstream",
      credentials: acceptedCredentials(ACCESS, "staging"),
      default: "deny",
      rules: accessRules(ACCESS, "staging"),
    },
  ],
});
