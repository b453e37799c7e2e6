// Small policy pairs for the `rrc diff` tests: a base and the changes a pull request makes.
import type { PolicyDocument, Rule } from "../../compiler/authoring/types.ts";

export interface Shape {
  readonly proxyRules: readonly Rule[];
  readonly accepts?: readonly string[];
  readonly credentialRules?: readonly Rule[];
  readonly credentialDefault?: "allow" | "deny";
}

export function payments(shape: Shape): PolicyDocument {
  return {
    targets: [{ id: "stripe", url: "https://api.stripe.com" }],
    targetCredentials: [
      { id: "stripe-live", target: "stripe", auth: { type: "bearer", secret: { env: "STRIPE_KEY" } } },
    ],
    proxyCredentials: [
      {
        id: "billing",
        auth: { type: "apiKey", keys: [`sha256:${"a".repeat(64)}`] },
        rules: shape.credentialRules ?? [],
        default: shape.credentialDefault,
      },
      { id: "support", auth: { type: "apiKey", keys: [`sha256:${"b".repeat(64)}`] } },
    ],
    proxies: [
      {
        id: "payments",
        target: "stripe",
        targetCredential: "stripe-live",
        credentials: shape.accepts ?? ["billing"],
        default: "deny",
        rules: shape.proxyRules,
      },
    ],
  };
}

const READ: Rule = {
  id: "read-charges",
  effect: "allow",
  methods: ["GET"],
  path: "^/v1/charges(/[a-z0-9_]+)?$",
};
const NO_EXPORT: Rule = { id: "no-export", effect: "deny", path: "^/v1/charges/export" };

export const BASE = payments({ proxyRules: [READ, NO_EXPORT] });

/** New endpoints, a credential newly accepted, and an export no longer blocked. */
export const WIDER = payments({
  proxyRules: [READ, { id: "refunds", effect: "allow", methods: ["POST"], path: "^/v1/refunds$" }],
  accepts: ["billing", "support"],
});

/** Reads limited to one credential and a new deny. */
export const NARROWER = payments({
  proxyRules: [
    { ...READ, credentials: ["billing"] },
    NO_EXPORT,
    { id: "no-test-charges", effect: "deny", priority: 900, path: "^/v1/charges/ch_test" },
  ],
  credentialDefault: "deny",
  credentialRules: [{ id: "billing-reads", effect: "allow", methods: ["GET", "HEAD"] }],
});

/** Rules rewritten and notes added; no request changes verdict. */
export const SAME_ACCESS = payments({
  proxyRules: [
    NO_EXPORT,
    { id: "read-charge-list", effect: "allow", methods: ["GET"], path: "^/v1/charges$" },
    { ...READ, id: "read-charges", path: "^/v1/charges/[a-z0-9_]+$", notes: "one charge" },
    { id: "no-admin", effect: "deny", path: "^/admin" },
  ],
});

/** An allow that depends on a header. */
export const CONDITIONAL = payments({
  proxyRules: [
    READ,
    NO_EXPORT,
    {
      id: "export-for-auditors",
      effect: "allow",
      methods: ["GET"],
      path: "^/v1/exports$",
      headers: [{ name: "x-role", value: "^auditor$" }],
    },
  ],
});
