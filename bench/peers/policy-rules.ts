// What the peer engines are given: the rules of a generated benchmark policy, read from the
// same PolicyDocument rrc compiles. Only the shapes the generator produces are supported
// (one proxy scope with method and path rules; the other three scopes default to allow with
// no rules), and anything else throws, so a peer is never handed a silently weaker policy.
import type { HttpMethod, PolicyDocument, ScopeDefault } from "../../compiler/authoring/types.ts";

export interface PeerRule {
  readonly id: string;
  readonly deny: boolean;
  /** Empty: any method. */
  readonly methods: readonly HttpMethod[];
  /** The rule's RE2 pattern over the canonical path (search semantics). */
  readonly path: string;
}

export interface PeerPolicy {
  readonly proxy: string;
  readonly credentials: readonly string[];
  readonly default: ScopeDefault;
  readonly rules: readonly PeerRule[];
}

export function peerPolicy(document: PolicyDocument): PeerPolicy {
  const proxies = document.proxies ?? [];
  const proxy = proxies[0];
  if (proxies.length !== 1 || proxy === undefined) throw new Error("peer policies need exactly one proxy");
  const others = [
    ...(document.targets ?? []),
    ...(document.targetCredentials ?? []),
    ...(document.proxyCredentials ?? []),
  ];
  for (const entity of others) {
    const scope = entity as { rules?: readonly unknown[]; default?: ScopeDefault };
    if ((scope.rules?.length ?? 0) > 0 || (scope.default ?? "allow") !== "allow") {
      throw new Error("peer policies support rules on the proxy scope only");
    }
  }
  const rules = (proxy.rules ?? []).map((rule): PeerRule => {
    if (rule.headers || rule.query || rule.body || rule.token || rule.credentials || rule.flags) {
      throw new Error(`rule ${rule.id}: peers support method and path checks only`);
    }
    if (rule.path === undefined) throw new Error(`rule ${rule.id}: peers need a path pattern`);
    return { id: rule.id, deny: rule.effect === "deny", methods: rule.methods ?? [], path: rule.path };
  });
  return { proxy: proxy.id, credentials: proxy.credentials, default: proxy.default, rules };
}
