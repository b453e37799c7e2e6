// What the logs say about each credential and rule of a bundle. A record names only the rule
// it reports (the deciding deny, or the best allow), so every logged request that reached the
// rules is also evaluated again against the rules that check nothing but credentials, method
// and path — for those a match is certain. A rule with header, query, body or token checks
// counts as hit only when a record reports it: the log keeps none of those values.

import { canonicalizePath } from "../../runtime/request/canonical-path.ts";
import type { FlatPolicy, IrProxy, IrRule, ScopeKind } from "../ir/index.ts";
import { compileSingle } from "../regex/set-pattern.ts";
import type { LoggedDecision } from "./read-logs.ts";

/** Codes of requests refused before any rule was evaluated. */
const BEFORE_RULES = new Set([
  "unknown-proxy",
  "unauthenticated",
  "auth-unavailable",
  "credential-not-accepted",
  "non-canonical-request",
  "ambiguous-request",
  "body-not-inspectable",
  "body-too-large",
  "request-timeout",
  "internal-error",
  "log-unavailable",
]);

/** Codes of requests the policy allowed (a meter, the upstream or a filter may have failed them after). */
const POLICY_ALLOWED = new Set([
  "access-granted",
  "rate-limited",
  "meter-store-unavailable",
  "upstream-unreachable",
  "upstream-auth-unavailable",
  "upstream-timeout",
  "filter-not-json",
  "response-too-large",
]);

export interface RuleTraffic {
  readonly rule: IrRule;
  /** Requests it matched (reported, or certainly matched on re-evaluation). */
  hits: number;
  /** Hits by credential. */
  readonly byCredential: Map<string, number>;
  /** Allowed requests it matched: method → canonical path → count. */
  readonly served: Map<string, Map<string, number>>;
}

export interface Traffic {
  readonly rules: ReadonlyMap<string, RuleTraffic>;
  /** Latest record time (ms) per credential, and per credential × proxy (`credential\0proxy`). */
  readonly credentialLastSeen: ReadonlyMap<string, number>;
  readonly pairLastSeen: ReadonlyMap<string, number>;
}

export function ruleKey(scope: ScopeKind | string, entity: string, rule: string): string {
  return `${scope}\u0000${entity}\u0000${rule}`;
}

interface Shape {
  readonly decision: LoggedDecision;
  readonly reported: string | null;
  readonly allowed: boolean;
  count: number;
}

export class TrafficCollector {
  private readonly rules = new Map<string, RuleTraffic>();
  private readonly proxies: ReadonlyMap<string, IrProxy>;
  private readonly credentialLastSeen = new Map<string, number>();
  private readonly pairLastSeen = new Map<string, number>();
  /** Identical requests are evaluated once. */
  private readonly shapes = new Map<string, Shape>();

  constructor(private readonly flat: FlatPolicy) {
    this.proxies = new Map(flat.proxies.map((proxy) => [proxy.id, proxy]));
    for (const scope of flat.scopes) {
      for (const rule of scope.rules) {
        this.rules.set(ruleKey(rule.scope, rule.entity, rule.id), {
          rule,
          hits: 0,
          byCredential: new Map(),
          served: new Map(),
        });
      }
    }
  }

  add(decision: LoggedDecision): void {
    const { proxy, credential } = decision;
    if (credential !== null) {
      latest(this.credentialLastSeen, credential, decision.time);
      if (proxy !== null) latest(this.pairLastSeen, `${credential}\u0000${proxy}`, decision.time);
    }
    const reported = this.reportedKey(decision);
    const allowed = POLICY_ALLOWED.has(decision.code);
    const key = [proxy, credential, decision.method, decision.path, reported, allowed].join("\u0000");
    const shape = this.shapes.get(key);
    if (shape) shape.count++;
    else this.shapes.set(key, { decision, reported, allowed, count: 1 });
  }

  finish(): Traffic {
    const matchers = new Map<IrRule, (path: string) => boolean>();
    for (const shape of this.shapes.values()) {
      const matched = new Set<string>(shape.reported === null ? [] : [shape.reported]);
      for (const key of this.certainMatches(shape.decision, matchers)) matched.add(key);
      for (const key of matched) this.count(this.rules.get(key)!, shape);
    }
    return {
      rules: this.rules,
      credentialLastSeen: this.credentialLastSeen,
      pairLastSeen: this.pairLastSeen,
    };
  }

  /** The bundle's rule a record reports, when the bundle has it (logs may come from older revisions). */
  private reportedKey(decision: LoggedDecision): string | null {
    const { scope, rule, proxy, credential } = decision;
    if (scope === null || rule === null || proxy === null) return null;
    const flatProxy = this.proxies.get(proxy);
    if (!flatProxy) return null;
    const entity =
      scope === "proxy"
        ? proxy
        : scope === "target"
          ? flatProxy.target
          : scope === "targetCredential"
            ? flatProxy.targetCredential
            : credential;
    if (entity === null) return null;
    const key = ruleKey(scope, entity, rule);
    return this.rules.has(key) ? key : null;
  }

  /** Rules that check only credentials, method and path, and certainly matched this request. */
  private *certainMatches(
    decision: LoggedDecision,
    matchers: Map<IrRule, (path: string) => boolean>,
  ): Iterable<string> {
    if (BEFORE_RULES.has(decision.code) || decision.proxy === null || decision.credential === null) return;
    const proxy = this.proxies.get(decision.proxy);
    const pair = proxy?.pairs.find((candidate) => candidate.credential === decision.credential);
    if (!proxy || !pair) return;
    const canonical = canonicalizePath(decision.path, proxy.options);
    if (!canonical.ok) return;
    for (const index of pair.scopes) {
      for (const rule of this.flat.scopes[index]!.rules) {
        if (rule.headers.length + rule.query.length + rule.body.length + rule.token.length > 0) continue;
        if (rule.credentials !== null && !rule.credentials.includes(decision.credential)) continue;
        if (rule.methods !== null && !rule.methods.includes(decision.method)) continue;
        if (rule.path !== null && !pathMatcher(rule, matchers)(canonical.path)) continue;
        yield ruleKey(rule.scope, rule.entity, rule.id);
      }
    }
  }

  private count(traffic: RuleTraffic, shape: Shape): void {
    const { credential, method, path } = shape.decision;
    traffic.hits += shape.count;
    if (credential !== null) {
      traffic.byCredential.set(credential, (traffic.byCredential.get(credential) ?? 0) + shape.count);
    }
    if (!shape.allowed || traffic.rule.effect !== "allow") return;
    let paths = traffic.served.get(method);
    if (!paths) {
      paths = new Map();
      traffic.served.set(method, paths);
    }
    paths.set(path, (paths.get(path) ?? 0) + shape.count);
  }
}

function pathMatcher(rule: IrRule, cache: Map<IrRule, (path: string) => boolean>): (path: string) => boolean {
  let matcher = cache.get(rule);
  if (!matcher) {
    const regex = compileSingle(rule.path!.source, rule.path!.ignoreCase);
    matcher = (path) => regex.test(path);
    cache.set(rule, matcher);
  }
  return matcher;
}

function latest(map: Map<string, number>, key: string, time: number): void {
  const seen = map.get(key);
  if (seen === undefined || time > seen) map.set(key, time);
}
