// The textual side of `rrc diff`: rules added, removed or changed (by scope, entity and
// rule id) and scope defaults that changed, whether or not they change any verdict.
import type { FlatPolicy, IrFieldCheck, IrRule, IrScope, ScopeKind } from "../ir/index.ts";
import { SCOPE_KINDS } from "../ir/index.ts";

export interface RuleChange {
  readonly scope: ScopeKind;
  readonly entity: string;
  readonly rule: string;
  readonly change: "added" | "removed" | "changed";
  /** For `changed`: the fields that differ. */
  readonly fields: readonly string[];
}

export interface DefaultChange {
  readonly scope: ScopeKind;
  readonly entity: string;
  readonly old: "allow" | "deny";
  readonly new: "allow" | "deny";
}

const FIELDS = [
  "effect",
  "priority",
  "methods",
  "path",
  "headers",
  "query",
  "body",
  "token",
  "credentials",
  "notes",
  "order",
] as const;

function fieldValue(rule: IrRule, field: (typeof FIELDS)[number]): unknown {
  const pattern = (p: { source: string; ignoreCase: boolean } | null) => p && [p.source, p.ignoreCase];
  const checks = (list: readonly IrFieldCheck[]) => list.map((c) => [c.key, c.presence, pattern(c.pattern)]);
  switch (field) {
    case "path":
      return pattern(rule.path);
    case "headers":
    case "query":
    case "body":
    case "token":
      return checks(rule[field]);
    case "order":
      return null; // compared apart, among the rules both sides have
    default:
      return rule[field];
  }
}

function scopesByKey(policy: FlatPolicy): Map<string, IrScope> {
  return new Map(policy.scopes.map((scope) => [`${scope.kind}\u0000${scope.entity}`, scope]));
}

export function compareRules(
  old: FlatPolicy,
  next: FlatPolicy,
): { rules: RuleChange[]; defaults: DefaultChange[] } {
  const before = scopesByKey(old);
  const after = scopesByKey(next);
  const rules: RuleChange[] = [];
  const defaults: DefaultChange[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(byScope);
  for (const key of keys) {
    const [kind, entity] = key.split("\u0000") as [ScopeKind, string];
    const a = before.get(key);
    const b = after.get(key);
    // A scope only one side has (no proxy reaches it on the other) shows up as pairs added or removed.
    if (a && b && a.default !== b.default)
      defaults.push({ scope: kind, entity, old: a.default, new: b.default });
    const oldRules = new Map((a?.rules ?? []).map((rule) => [rule.id, rule]));
    const newRules = new Map((b?.rules ?? []).map((rule) => [rule.id, rule]));
    // Declaration order only breaks reporting ties: a rule has moved when its place among the
    // rules both sides keep has changed, not because a rule before it was added or removed.
    const kept = (rules: readonly IrRule[] | undefined, other: Map<string, IrRule>) =>
      (rules ?? []).filter((rule) => other.has(rule.id)).map((rule) => rule.id);
    const oldOrder = kept(a?.rules, newRules);
    const newOrder = kept(b?.rules, oldRules);
    for (const id of [...new Set([...oldRules.keys(), ...newRules.keys()])].sort()) {
      const was = oldRules.get(id);
      const is = newRules.get(id);
      const base = { scope: kind, entity, rule: id };
      if (!was) rules.push({ ...base, change: "added", fields: [] });
      else if (!is) rules.push({ ...base, change: "removed", fields: [] });
      else {
        const fields = FIELDS.filter((field) =>
          field === "order"
            ? oldOrder.indexOf(id) !== newOrder.indexOf(id)
            : JSON.stringify(fieldValue(was, field)) !== JSON.stringify(fieldValue(is, field)),
        );
        if (fields.length > 0) rules.push({ ...base, change: "changed", fields });
      }
    }
  }
  return { rules, defaults };
}

/** Scope order (proxy, target, proxy credential, target credential), then entity id. */
function byScope(a: string, b: string): number {
  const [kindA, entityA] = a.split("\u0000") as [ScopeKind, string];
  const [kindB, entityB] = b.split("\u0000") as [ScopeKind, string];
  const order = SCOPE_KINDS.indexOf(kindA) - SCOPE_KINDS.indexOf(kindB);
  if (order !== 0) return order;
  return entityA < entityB ? -1 : entityA > entityB ? 1 : 0;
}
