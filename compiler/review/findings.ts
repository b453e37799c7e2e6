// The access review's findings (SPEC §10) from a bundle and the traffic its logs show.
import type { PolicyDocument } from "../authoring/types.ts";
import type { FlatPolicy, IrRule, ScopeKind } from "../ir/index.ts";
import { buildMatrix } from "../matrix/access.ts";
import { compileSingle } from "../regex/set-pattern.ts";
import { generalise } from "./generalise.ts";
import type { ReadSummary } from "./read-logs.ts";
import { type RuleTraffic, ruleKey, type Traffic } from "./traffic.ts";

export interface RuleRef {
  readonly scope: ScopeKind;
  readonly entity: string;
  readonly rule: string;
  readonly effect: "allow" | "deny";
  readonly methods: readonly string[] | null;
  readonly path: string | null;
}

export interface ReviewReport {
  readonly bundle: { readonly revision: string };
  readonly logs: {
    readonly files: readonly string[];
    readonly records: number;
    readonly skipped: number;
    readonly first: string | null;
    readonly last: string | null;
  };
  readonly window: { readonly days: number; readonly since: string; readonly now: string };
  /** No record in the window; `lastSeen` null: none at all. */
  readonly unusedCredentials: readonly { credential: string; lastSeen: string | null; proxies: string[] }[];
  /** Credentials in use, on a proxy that accepts them but where they made no request in the window. */
  readonly unusedGrants: readonly { credential: string; proxy: string; lastSeen: string | null }[];
  /** `certain`: the rule checks only method and path, so its matches were re-evaluated from the log. */
  readonly rulesNeverHit: readonly (RuleRef & { certain: boolean })[];
  readonly broadAllowRules: readonly BroadRule[];
  readonly unusedAdminAccess: readonly { credential: string; proxies: string[]; rule: RuleRef }[];
}

export interface BroadRule {
  readonly rule: RuleRef;
  /** Allowed requests it served, and their distinct paths. */
  readonly served: number;
  readonly distinctPaths: number;
  readonly observed: { readonly methods: readonly string[]; readonly path: string | null };
  readonly examples: readonly string[];
  /** A request the rule allows and the observed shape does not. */
  readonly alsoAllows: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const COMMON_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** The admin heuristic: an allow rule whose id or path regex mentions `admin`. */
const ADMIN = /admin/i;

export interface ReviewInput {
  readonly revision: string;
  readonly flat: FlatPolicy;
  readonly document: PolicyDocument;
  readonly summary: ReadSummary;
  readonly traffic: Traffic;
  readonly unusedDays: number;
  readonly now: number;
}

export function review(input: ReviewInput): ReviewReport {
  const { flat, document, summary, traffic } = input;
  const since = input.now - input.unusedDays * DAY_MS;
  const iso = (time: number | undefined | null) => (time == null ? null : new Date(time).toISOString());
  const accepting = (credential: string) =>
    flat.proxies
      .filter((proxy) => proxy.pairs.some((pair) => pair.credential === credential))
      .map((p) => p.id);

  const unusedCredentials = [];
  const unusedGrants = [];
  for (const { id } of document.proxyCredentials ?? []) {
    const lastSeen = traffic.credentialLastSeen.get(id);
    if (lastSeen === undefined || lastSeen < since) {
      unusedCredentials.push({ credential: id, lastSeen: iso(lastSeen), proxies: accepting(id) });
      continue;
    }
    for (const proxy of accepting(id)) {
      const seen = traffic.pairLastSeen.get(`${id}\u0000${proxy}`);
      if (seen === undefined || seen < since)
        unusedGrants.push({ credential: id, proxy, lastSeen: iso(seen) });
    }
  }

  const all = [...traffic.rules.values()];
  return {
    bundle: { revision: input.revision },
    logs: {
      files: summary.files,
      records: summary.records,
      skipped: summary.skipped,
      first: iso(summary.first),
      last: iso(summary.last),
    },
    window: { days: input.unusedDays, since: iso(since)!, now: iso(input.now)! },
    unusedCredentials,
    unusedGrants,
    rulesNeverHit: all
      .filter((item) => item.hits === 0)
      .map((item) => ({ ...ref(item.rule), certain: checksOnlyMethodAndPath(item.rule) })),
    broadAllowRules: all.flatMap((item) => broadRule(item) ?? []),
    unusedAdminAccess: unusedAdmin(flat, document, traffic),
  };
}

function ref(rule: IrRule): RuleRef {
  return {
    scope: rule.scope,
    entity: rule.entity,
    rule: rule.id,
    effect: rule.effect,
    methods: rule.methods,
    path: rule.path?.source ?? null,
  };
}

function checksOnlyMethodAndPath(rule: IrRule): boolean {
  return rule.headers.length + rule.query.length + rule.body.length + rule.token.length === 0;
}

function broadRule(item: RuleTraffic): BroadRule | null {
  const { rule, served } = item;
  if (rule.effect !== "allow" || served.size === 0) return null;
  const methods = [...served.keys()].sort();
  const counts = new Map<string, number>();
  for (const paths of served.values())
    for (const [path, n] of paths) counts.set(path, (counts.get(path) ?? 0) + n);
  const paths = [...counts.keys()].sort();
  const shape = generalise(paths);
  const unobserved = (rule.methods ?? COMMON_METHODS).filter((method) => !served.has(method));
  const pathExample = shape === null ? null : widerPath(rule, shape, paths);
  if (pathExample === null && unobserved.length === 0) return null;
  return {
    rule: ref(rule),
    served: [...counts.values()].reduce((sum, n) => sum + n, 0),
    distinctPaths: paths.length,
    observed: { methods, path: shape },
    examples: paths.slice(0, 3),
    alsoAllows: pathExample !== null ? `${methods[0]} ${pathExample}` : `${unobserved[0]} ${paths[0]}`,
  };
}

/** A path the rule's regex matches and the observed shape does not: evidence it is broader. */
function widerPath(rule: IrRule, shape: string, paths: readonly string[]): string | null {
  const ruleMatches = rule.path ? compileSingle(rule.path.source, rule.path.ignoreCase) : null;
  const shapeMatches = compileSingle(shape, false);
  for (const probe of probes(paths)) {
    if ((ruleMatches === null || ruleMatches.test(probe)) && !shapeMatches.test(probe)) return probe;
  }
  return null;
}

/** Nearby paths, simplest first: parents, then siblings, then children. */
function* probes(paths: readonly string[]): Iterable<string> {
  const sample = paths.slice(0, 50);
  const split = sample.map((path) => path.slice(1).split("/"));
  for (const segments of split) if (segments.length > 1) yield `/${segments.slice(0, -1).join("/")}`;
  yield "/";
  for (const segments of split) {
    for (const replacement of ["x", "admin", "0"])
      yield `/${[...segments.slice(0, -1), replacement].join("/")}`;
    for (let index = 0; index < segments.length - 1; index++) {
      yield `/${segments.map((segment, at) => (at === index ? "x" : segment)).join("/")}`;
    }
  }
  for (const path of sample) yield `${path.replace(/\/$/, "")}/x`;
}

/** Admin-looking allow rules that grant a credential access (per `rrc matrix`) it never used. */
function unusedAdmin(flat: FlatPolicy, document: PolicyDocument, traffic: Traffic) {
  const grants = new Map<string, { credential: string; proxies: string[]; rule: RuleRef }>();
  for (const cell of buildMatrix(flat, document).cells) {
    for (const entry of cell.entries) {
      for (const granted of entry.grantedBy) {
        const item = traffic.rules.get(ruleKey(granted.scope, granted.entity, granted.rule));
        if (item?.rule.effect !== "allow") continue;
        if (!ADMIN.test(item.rule.id) && !ADMIN.test(item.rule.path?.source ?? "")) continue;
        if ((item.byCredential.get(cell.credential) ?? 0) > 0) continue;
        const key = `${cell.credential}\u0000${ruleKey(granted.scope, granted.entity, granted.rule)}`;
        const found = grants.get(key);
        if (found) {
          if (!found.proxies.includes(cell.proxy)) found.proxies.push(cell.proxy);
        } else grants.set(key, { credential: cell.credential, proxies: [cell.proxy], rule: ref(item.rule) });
      }
    }
  }
  return [...grants.values()];
}
