// The benchmark policy as casbin (node-casbin 5.x): an RBAC model where the credential is a
// member of the proxy's role (`g`), paths matched by `regexMatch` with the rule's own regex
// (JS RegExp runs the generator's patterns exactly as RE2 does), the method by `regexMatch`
// against an anchored alternation, and the effect "some allow and no deny", which is rrc's
// scope semantics with default deny (a proxy with `default: "allow"` gets one catch-all
// allow). Policies are loaded by an in-memory adapter; decisions use `enforceSync`.
import { type Adapter, type Enforcer, type Model, newEnforcer, newModelFromString } from "casbin";
import type { PeerRequest } from "./cedar.ts";
import type { PeerPolicy } from "./policy-rules.ts";

const MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub) && regexMatch(r.obj, p.obj) && regexMatch(r.act, p.act)
`;

/** Adds prebuilt policy lines straight to the model (no CSV parsing, no storage). */
class MemoryAdapter implements Adapter {
  constructor(
    private readonly policies: readonly string[][],
    private readonly groupings: readonly string[][],
  ) {}
  async loadPolicy(model: Model): Promise<void> {
    model.addPolicies(
      "p",
      "p",
      this.policies.map((line) => [...line]),
    );
    model.addPolicies(
      "g",
      "g",
      this.groupings.map((line) => [...line]),
    );
  }
  async savePolicy(): Promise<boolean> {
    return true;
  }
  async addPolicy(): Promise<void> {}
  async removePolicy(): Promise<void> {}
  async removeFilteredPolicy(): Promise<void> {}
}

export function casbinPolicies(policy: PeerPolicy): string[][] {
  const role = `proxy:${policy.proxy}`;
  const lines = policy.rules.map((rule) => [
    role,
    rule.path,
    rule.methods.length === 0 ? "^.*$" : `^(${rule.methods.join("|")})$`,
    rule.deny ? "deny" : "allow",
  ]);
  if (policy.default === "allow") lines.push([role, "^.*$", "^.*$", "allow"]);
  return lines;
}

export async function createCasbinDecider(policy: PeerPolicy) {
  const role = `proxy:${policy.proxy}`;
  const groupings = policy.credentials.map((credential) => [credential, role]);
  const enforcer: Enforcer = await newEnforcer(
    newModelFromString(MODEL),
    new MemoryAdapter(casbinPolicies(policy), groupings),
  );
  const prepare = (request: PeerRequest): readonly [string, string, string] => [
    request.credential,
    request.path,
    request.method,
  ];
  const decide = (call: readonly [string, string, string]): "allow" | "deny" =>
    enforcer.enforceSync(call[0], call[1], call[2]) ? "allow" : "deny";
  return { prepare, decide };
}
