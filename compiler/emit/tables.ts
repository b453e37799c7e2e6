// Lowers the flattened IR into the engine's integer-indexed tables: per scope one RE2.Set
// of path patterns mapping to the rules that use them, field sets for the other checks,
// and a precomputed reporting rank per rule.

import {
  FIELD_BODY,
  FIELD_HEADER,
  FIELD_QUERY,
  FIELD_TOKEN,
  type FieldTable,
  type RuleTable,
  type ScopeTable,
  type Tables,
} from "../../runtime/decision/tables.ts";
import { parseJsonPath } from "../../runtime/request/json-path.ts";
import { assert } from "../diagnostics/diagnostic.ts";
import { type FlatPolicy, type IrPattern, type IrRule, type IrScope, SCOPE_KINDS } from "../ir/index.ts";
import { toSetPattern } from "../regex/set-pattern.ts";

export const METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
] as const;
const DECL_LIMIT = 2 ** 21;

/** Lower is reported first: higher priority, then scope order, then declaration order. */
export function reportRank(rule: IrRule): number {
  assert(rule.declIndex < DECL_LIMIT, "too many rules in one entity");
  return (
    ((1000 - rule.priority) * SCOPE_KINDS.length + SCOPE_KINDS.indexOf(rule.scope)) * DECL_LIMIT +
    rule.declIndex
  );
}

export function lowerTables(policy: FlatPolicy): Tables {
  return {
    methods: METHODS,
    scopes: policy.scopes.map(lowerScope),
    proxies: policy.proxies.map((proxy) => ({
      id: proxy.id,
      allowPathParameters: proxy.options.allowPathParameters,
      allowDoubleEncoding: proxy.options.allowDoubleEncoding,
      bodyLimit: proxy.options.bodyLimit,
      pairs: proxy.pairs.map((pair) => ({
        credential: pair.credential,
        scopes: pair.scopes,
        inspectedHeaders: pair.inspectedHeaders,
        inspectedQuery: pair.inspectedQuery,
      })),
    })),
  };
}

class PatternPool {
  readonly patterns: string[] = [];
  private readonly index = new Map<string, number>();

  add(pattern: IrPattern): number {
    const text = toSetPattern(pattern.source, pattern.ignoreCase);
    let at = this.index.get(text);
    if (at === undefined) {
      at = this.patterns.length;
      this.patterns.push(text);
      this.index.set(text, at);
    }
    return at;
  }
}

function lowerScope(scope: IrScope): ScopeTable {
  const paths = new PatternPool();
  const pathRules: number[][] = [];
  const anyPathRules: number[] = [];
  const fields: { table: Omit<FieldTable, "patterns">; pool: PatternPool }[] = [];
  const fieldIndex = new Map<string, number>();
  const fieldOf = (kind: FieldTable["kind"], key: string): number => {
    const name = `${kind}:${key}`;
    let at = fieldIndex.get(name);
    if (at === undefined) {
      const parsed = kind === FIELD_BODY ? parseJsonPath(key) : null;
      assert(parsed === null || parsed.ok, `unchecked JSONPath reached emit: ${key}`);
      at = fields.length;
      fields.push({
        table: { kind, key, segments: parsed?.ok ? parsed.segments : null },
        pool: new PatternPool(),
      });
      fieldIndex.set(name, at);
    }
    return at;
  };

  const rules: RuleTable[] = scope.rules.map((rule, index) => {
    if (rule.path) {
      const at = paths.add(rule.path);
      const users = pathRules[at] ?? [];
      users.push(index);
      pathRules[at] = users;
    } else {
      anyPathRules.push(index);
    }
    const checks: number[] = [];
    const kinds = [
      [FIELD_HEADER, rule.headers],
      [FIELD_QUERY, rule.query],
      [FIELD_BODY, rule.body],
      [FIELD_TOKEN, rule.token],
    ] as const;
    for (const [kind, list] of kinds) {
      for (const check of list) {
        const field = fieldOf(kind, check.key);
        const pattern = check.pattern ? fields[field]!.pool.add(check.pattern) : -1;
        checks.push(field, check.presence === "present" ? 1 : 0, pattern);
      }
    }
    return {
      id: rule.id,
      deny: rule.effect === "deny",
      rank: reportRank(rule),
      credentials: rule.credentials,
      methods: (rule.methods ?? []).reduce(
        (mask, method) => mask | (1 << METHODS.indexOf(method as never)),
        0,
      ),
      needsBody: rule.body.length > 0,
      checks,
    };
  });
  return {
    kind: scope.kind,
    entity: scope.entity,
    denyByDefault: scope.default === "deny",
    pathPatterns: paths.patterns,
    pathRules: paths.patterns.map((_, at) => pathRules[at] ?? []),
    anyPathRules,
    rules,
    fields: fields.map(({ table, pool }) => ({ ...table, patterns: pool.patterns })),
  };
}
