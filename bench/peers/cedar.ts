// The benchmark policy as Cedar (cedar-policy 4.x through @cedar-policy/cedar-wasm's Node
// build), evaluated with the policy set pre-parsed once (`statefulIsAuthorized`), the fastest
// way the package offers. Mapping: principal = the credential, a member of `Proxy::"<id>"`
// (the proxy's accepted credentials); action = the HTTP method; `context.path` = the
// canonical path. rrc's scope semantics are Cedar's: forbid overrides permit, default deny
// (a proxy with `default: "allow"` gets one unconditional permit).
//
// Cedar has no regexes, only `like` with `*`. The generator's three path shapes translate as
//   ^L$            → path == "L"
//   ^L(/.*)?$      → path == "L" || path like "L/*"
//   ^L(/[0-9]+)?$  → path == "L" || (path like "L/*" && !(path like "L/*/*"))
// The last is wider than the regex (any one segment, not only digits), so equivalence holds
// for the benchmark requests, which peers.bench.ts asserts before timing; other patterns throw.
import { preparsePolicySet, statefulIsAuthorized } from "@cedar-policy/cedar-wasm/nodejs";
import type { PeerPolicy, PeerRule } from "./policy-rules.ts";

export interface PeerRequest {
  readonly credential: string;
  readonly method: string;
  readonly path: string;
}

const LITERAL = "[A-Za-z0-9/_~-]+";
const EXACT = new RegExp(`^\\^(${LITERAL})\\$$`);
const ANY_TAIL = new RegExp(`^\\^(${LITERAL})\\(/\\.\\*\\)\\?\\$$`);
const DIGIT_TAIL = new RegExp(`^\\^(${LITERAL})\\(/\\[0-9\\]\\+\\)\\?\\$$`);

function pathCondition(pattern: string): string {
  let match = EXACT.exec(pattern);
  if (match) return `context.path == "${match[1]}"`;
  match = ANY_TAIL.exec(pattern);
  if (match) return `(context.path == "${match[1]}" || context.path like "${match[1]}/*")`;
  match = DIGIT_TAIL.exec(pattern);
  if (match) {
    const literal = match[1]!;
    return `(context.path == "${literal}" || (context.path like "${literal}/*" && !(context.path like "${literal}/*/*")))`;
  }
  throw new Error(`no Cedar translation for the path pattern \`${pattern}\``);
}

function cedarPolicy(proxy: string, rule: PeerRule): string {
  const actions = rule.methods.map((method) => `Action::"${method}"`).join(", ");
  const action = rule.methods.length === 0 ? "action" : `action in [${actions}]`;
  const effect = rule.deny ? "forbid" : "permit";
  return `${effect}(principal in Proxy::"${proxy}", ${action}, resource == Proxy::"${proxy}") when { ${pathCondition(rule.path)} };`;
}

/** The policy set as Cedar text, keyed by rrc rule id. */
export function cedarPolicies(policy: PeerPolicy): Record<string, string> {
  const policies: Record<string, string> = {};
  for (const rule of policy.rules) policies[rule.id] = cedarPolicy(policy.proxy, rule);
  if (policy.default === "allow") {
    policies["proxy-default-allow"] =
      `permit(principal in Proxy::"${policy.proxy}", action, resource == Proxy::"${policy.proxy}");`;
  }
  return policies;
}

let nextSetId = 0;

/** Pre-parses the policy set; returns a decide function over prebuilt Cedar requests. */
export function createCedarDecider(policy: PeerPolicy) {
  const setId = `rrc-bench-${nextSetId++}`;
  const parsed = preparsePolicySet(setId, { staticPolicies: cedarPolicies(policy) });
  if (parsed.type !== "success") {
    throw new Error(`cedar rejected the policy set: ${parsed.errors.map((e) => e.message).join("; ")}`);
  }
  const resource = { type: "Proxy", id: policy.proxy };
  const entities = policy.credentials.map((id) => ({
    uid: { type: "User", id },
    attrs: {},
    parents: [resource],
  }));
  entities.push({ uid: resource, attrs: {}, parents: [] });
  const prepare = (request: PeerRequest) => ({
    principal: { type: "User", id: request.credential },
    action: { type: "Action", id: request.method },
    resource,
    context: { path: request.path },
    preparsedPolicySetId: setId,
    entities,
  });
  const decide = (call: ReturnType<typeof prepare>): "allow" | "deny" => {
    const answer = statefulIsAuthorized(call);
    if (answer.type !== "success") throw new Error(`cedar failed: ${answer.errors[0]?.message ?? "?"}`);
    return answer.response.decision;
  };
  return { prepare, decide };
}
