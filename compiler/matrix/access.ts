// The credential × proxy access matrix (SPEC §11 `rrc matrix`), worked out syntactically
// from the flattened IR. For each pair the four scopes are intersected: a scope with
// default allow lets everything through, one with default deny only what one of its
// allow rules (that applies to the credential) states. Deny rules that apply to the pair
// then remove an entry when they certainly cover it (no field checks, same or no path,
// its methods) and otherwise are listed as exceptions. Path regexes are only compared by
// their anchored literal prefixes (./prefix.ts): whether two regexes can both match, or a
// deny's regex covers an allow's, is automata work and not decided here.
import type { PolicyDocument } from "../authoring/types.ts";
import type { FlatPolicy, IrFieldCheck, IrPair, IrRule, ScopeKind } from "../ir/index.ts";
import { disjoint } from "./prefix.ts";

export interface Pattern {
  readonly source: string;
  readonly ignoreCase: boolean;
}

export type ConditionField = "header" | "query" | "body" | "claim";

export interface Condition {
  readonly field: ConditionField;
  readonly key: string;
  readonly presence: "present" | "absent";
  readonly pattern: Pattern | null;
}

export interface RuleRef {
  readonly scope: ScopeKind;
  readonly entity: string;
  readonly rule: string;
}

/** A deny rule that may carve requests out of an entry. */
export interface Exception {
  readonly rule: RuleRef;
  readonly methods: readonly string[] | null;
  readonly path: Pattern | null;
  readonly conditions: readonly Condition[];
}

/** Requests that can be allowed: every method and path pattern and condition must hold. */
export interface AccessEntry {
  /** null: any method. */
  readonly methods: readonly string[] | null;
  /** All must match; empty: any path. */
  readonly paths: readonly Pattern[];
  readonly conditions: readonly Condition[];
  /** The allow rules this entry comes from; empty when every scope allows by default. */
  readonly grantedBy: readonly RuleRef[];
  readonly except: readonly Exception[];
}

export interface MatrixCell {
  readonly proxy: string;
  readonly credential: string;
  readonly accepted: boolean;
  /** Empty: nothing can be allowed. */
  readonly entries: readonly AccessEntry[];
  /** More entries than MAX_ENTRIES; the rest are left out. */
  readonly truncated: boolean;
}

export interface AccessMatrix {
  readonly proxies: readonly string[];
  readonly credentials: readonly string[];
  /** Row by row: for each credential, each proxy. */
  readonly cells: readonly MatrixCell[];
}

/** Intersections multiply across default-deny scopes; a cell shows at most this many. */
export const MAX_ENTRIES = 100;

/** Credentials whose requests carry token claims (SPEC §3); others never match a claim. */
const CLAIM_AUTH = new Set(["jwt", "jwks", "oauth2"]);

export function buildMatrix(flat: FlatPolicy, document: PolicyDocument): AccessMatrix {
  const credentials = (document.proxyCredentials ?? []).map((credential) => credential.id);
  const claimCarrying = new Set(
    (document.proxyCredentials ?? []).filter((item) => CLAIM_AUTH.has(item.auth.type)).map((item) => item.id),
  );
  const proxies = flat.proxies.map((proxy) => proxy.id);
  const cells: MatrixCell[] = [];
  for (const credential of credentials) {
    for (const proxy of flat.proxies) {
      const pair = proxy.pairs.find((candidate) => candidate.credential === credential);
      if (!pair) {
        cells.push({ proxy: proxy.id, credential, accepted: false, entries: [], truncated: false });
        continue;
      }
      const { entries, truncated } = pairAccess(flat, pair, claimCarrying.has(credential));
      cells.push({ proxy: proxy.id, credential, accepted: true, entries, truncated });
    }
  }
  return { proxies, credentials, cells };
}

interface Draft {
  methods: readonly string[] | null;
  paths: readonly Pattern[];
  conditions: readonly Condition[];
  grantedBy: readonly RuleRef[];
  except: Exception[];
}

function pairAccess(flat: FlatPolicy, pair: IrPair, hasClaims: boolean) {
  const scopes = pair.scopes.map((index) => flat.scopes[index]!);
  const applicable = (rule: IrRule) =>
    rule.credentials === null || rule.credentials.includes(pair.credential);
  let drafts: Draft[] = [{ methods: null, paths: [], conditions: [], grantedBy: [], except: [] }];
  let truncated = false;
  for (const scope of scopes) {
    if (scope.default === "allow") continue;
    const allows = scope.rules.filter((rule) => rule.effect === "allow" && applicable(rule));
    const next: Draft[] = [];
    for (const draft of drafts) {
      for (const rule of allows) {
        const conditions = ruleConditions(rule, hasClaims);
        if (conditions === null || !mayMeet(draft, rule)) continue;
        const methods = intersectMethods(draft.methods, rule.methods);
        next.push({
          methods,
          paths: rule.path ? addPattern(draft.paths, rule.path) : draft.paths,
          conditions: [...draft.conditions, ...conditions],
          grantedBy: [...draft.grantedBy, refOf(rule)],
          except: [],
        });
      }
    }
    truncated ||= next.length > MAX_ENTRIES;
    drafts = next.slice(0, MAX_ENTRIES);
  }
  const denies = scopes.flatMap((scope) =>
    scope.rules.filter((rule) => rule.effect === "deny" && applicable(rule)),
  );
  const entries: AccessEntry[] = [];
  for (const draft of drafts) {
    if (applyDenies(draft, denies, hasClaims)) entries.push(draft);
  }
  return { entries, truncated };
}

/** Narrows or annotates the entry with each deny; false when a deny certainly covers it.
 * Certain denials go first, so exceptions name only methods the entry still has. */
function applyDenies(draft: Draft, denies: readonly IrRule[], hasClaims: boolean): boolean {
  const uncertain: { rule: IrRule; conditions: Condition[] }[] = [];
  for (const rule of denies) {
    const conditions = ruleConditions(rule, hasClaims);
    if (conditions === null || !mayMeet(draft, rule)) continue;
    const everyPath = rule.path === null || draft.paths.some((path) => samePattern(path, rule.path!));
    if (conditions.length === 0 && everyPath && rule.methods === null) return false;
    if (conditions.length === 0 && everyPath && draft.methods !== null) {
      draft.methods = draft.methods.filter((method) => !rule.methods!.includes(method));
      if (draft.methods.length === 0) return false;
    } else {
      uncertain.push({ rule, conditions });
    }
  }
  for (const { rule, conditions } of uncertain) {
    if (!mayMeet(draft, rule)) continue;
    const path = rule.path ? { source: rule.path.source, ignoreCase: rule.path.ignoreCase } : null;
    const methods = intersectMethods(draft.methods, rule.methods);
    draft.except.push({ rule: refOf(rule), methods, path, conditions });
  }
  return true;
}

/** False when the rule's methods or path certainly miss every request of the entry. */
function mayMeet(draft: Draft, rule: IrRule): boolean {
  const methods = intersectMethods(draft.methods, rule.methods);
  if (methods !== null && methods.length === 0) return false;
  return !(rule.path && excludes(draft.paths, rule.path));
}

/** The rule's field checks; null when the rule can never match for this credential. */
function ruleConditions(rule: IrRule, hasClaims: boolean): Condition[] | null {
  const conditions = [
    ...rule.headers.map((check) => condition("header", check)),
    ...rule.query.map((check) => condition("query", check)),
    ...rule.body.map((check) => condition("body", check)),
  ];
  for (const check of rule.token) {
    // Without claims nothing is present: `present` never holds, `absent` always does.
    if (!hasClaims) {
      if (check.presence === "present") return null;
      continue;
    }
    conditions.push(condition("claim", check));
  }
  return conditions;
}

function condition(field: ConditionField, check: IrFieldCheck): Condition {
  const pattern = check.pattern
    ? { source: check.pattern.source, ignoreCase: check.pattern.ignoreCase }
    : null;
  return { field, key: check.key, presence: check.presence, pattern };
}

function intersectMethods(
  a: readonly string[] | null,
  b: readonly string[] | null,
): readonly string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((method) => b.includes(method));
}

function addPattern(paths: readonly Pattern[], pattern: Pattern): readonly Pattern[] {
  if (paths.some((path) => samePattern(path, pattern))) return paths;
  return [...paths, { source: pattern.source, ignoreCase: pattern.ignoreCase }];
}

/** No path matches both `pattern` and every one of `paths`. */
function excludes(paths: readonly Pattern[], pattern: Pattern): boolean {
  return paths.some((path) => disjoint(path, pattern));
}

function samePattern(a: Pattern, b: Pattern): boolean {
  return a.source === b.source && a.ignoreCase === b.ignoreCase;
}

function refOf(rule: IrRule): RuleRef {
  return { scope: rule.scope, entity: rule.entity, rule: rule.id };
}
