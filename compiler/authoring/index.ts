// The TypeScript authoring API. A policy file default-exports `definePolicy({...})`
// (or a fragment made by `mergePolicies`); the compiler type-checks it, runs it and
// validates what it returns exactly like a JSON policy.
import type { PolicyDocument, Rule } from "./types.ts";

export type * from "./types.ts";

/** Identity at run time; at type-check time it rejects unknown fields and wrong shapes. */
export function definePolicy(policy: PolicyDocument): PolicyDocument {
  return policy;
}

type RuleBody = Omit<Rule, "id" | "effect">;

/** An allow rule: `allow("read-users", { methods: ["GET"], path: "^/api/users(/.*)?$" })`. */
export function allow(id: string, body: RuleBody = {}): Rule {
  return { id, effect: "allow", ...body };
}

/** A deny rule; denies win within their scope. */
export function deny(id: string, body: RuleBody = {}): Rule {
  return { id, effect: "deny", ...body };
}

/** Concatenates policy fragments; duplicate ids are reported by the compiler, not here. */
export function mergePolicies(...fragments: readonly PolicyDocument[]): PolicyDocument {
  return {
    targets: fragments.flatMap((fragment) => fragment.targets ?? []),
    targetCredentials: fragments.flatMap((fragment) => fragment.targetCredentials ?? []),
    proxyCredentials: fragments.flatMap((fragment) => fragment.proxyCredentials ?? []),
    proxies: fragments.flatMap((fragment) => fragment.proxies ?? []),
  };
}
