// Pass `flatten`: every proxy × accepted credential resolved to its four scopes
// (proxy, target, proxy credential, target credential), rules normalised into the IR.
import type { Rule } from "../authoring/types.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_PRIORITY,
  type FlatPolicy,
  type IrFieldCheck,
  type IrPair,
  type IrPattern,
  type IrProxy,
  type IrRule,
  type IrScope,
  type ScopeKind,
} from "../ir/index.ts";
import type { DocumentPath } from "../load/source.ts";
import type { Located, ValidatedPolicy } from "../validate/located.ts";

interface ScopeOwner {
  readonly id: string;
  readonly default?: "allow" | "deny";
  readonly rules?: readonly Rule[];
}

export function runFlatten(policy: ValidatedPolicy, _diagnostics: DiagnosticBag): FlatPolicy {
  const scopes: IrScope[] = [];
  const scopeIndex = new Map<string, number>();
  const scopeOf = (kind: ScopeKind, owner: Located<ScopeOwner>): number => {
    const key = `${kind}\u0000${owner.value.id}`;
    const existing = scopeIndex.get(key);
    if (existing !== undefined) return existing;
    scopes.push(toScope(kind, owner));
    scopeIndex.set(key, scopes.length - 1);
    return scopes.length - 1;
  };
  const targets = byId(policy.targets);
  const targetCredentials = byId(policy.targetCredentials);
  const proxyCredentials = byId(policy.proxyCredentials);

  const proxies: IrProxy[] = policy.proxies.map((proxy) => {
    const value = proxy.value;
    const proxyScope = scopeOf("proxy", proxy);
    const targetScope = scopeOf("target", targets.get(value.target)!);
    const upstreamScope = scopeOf("targetCredential", targetCredentials.get(value.targetCredential)!);
    const pairs: IrPair[] = [];
    for (const credential of new Set(value.credentials)) {
      const credentialScope = scopeOf("proxyCredential", proxyCredentials.get(credential)!);
      const indices = [proxyScope, targetScope, credentialScope, upstreamScope] as const;
      const rules = indices.flatMap((index) => scopes[index]!.rules);
      pairs.push({
        credential,
        scopes: indices,
        inspectedHeaders: uniqueSorted(rules.flatMap((rule) => rule.headers.map((check) => check.key))),
        inspectedQuery: uniqueSorted(rules.flatMap((rule) => rule.query.map((check) => check.key))),
      });
    }
    return {
      id: value.id,
      target: value.target,
      targetCredential: value.targetCredential,
      options: {
        allowPathParameters: value.unsafe?.pathParameters ?? false,
        allowDoubleEncoding: value.unsafe?.doubleEncoding ?? false,
        bodyLimit: value.bodyLimit ?? DEFAULT_BODY_LIMIT,
      },
      pairs,
    };
  });
  return { scopes, proxies };
}

function byId<T extends { id: string }>(entities: readonly Located<T>[]): Map<string, Located<T>> {
  return new Map(entities.map((entity) => [entity.value.id, entity]));
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function toScope(kind: ScopeKind, owner: Located<ScopeOwner>): IrScope {
  const rules = (owner.value.rules ?? []).map((rule, declIndex) =>
    toRule(rule, kind, owner, [...owner.path, "rules", declIndex], declIndex),
  );
  return { kind, entity: owner.value.id, default: owner.value.default ?? "allow", rules };
}

function toRule(
  rule: Rule,
  kind: ScopeKind,
  owner: Located<ScopeOwner>,
  path: DocumentPath,
  declIndex: number,
): IrRule {
  const ignoreCase = rule.flags === "i";
  const locate = (...more: (string | number)[]) => owner.source.locate([...path, ...more]);
  const pattern = (source: string | undefined, ...more: (string | number)[]): IrPattern | null =>
    source === undefined ? null : { source, ignoreCase, span: locate(...more) };
  const checks = (
    field: "headers" | "query" | "body" | "token",
    list: readonly { value?: string; presence?: "present" | "absent" }[] | undefined,
    keyOf: (check: never) => string,
  ): IrFieldCheck[] =>
    (list ?? []).map((check, index) => ({
      key: keyOf(check as never),
      presence: check.presence ?? "present",
      pattern: pattern(check.value, field, index, "value"),
      span: locate(field, index),
    }));
  return {
    id: rule.id,
    effect: rule.effect,
    priority: rule.priority ?? DEFAULT_PRIORITY,
    methods: rule.methods ? [...new Set(rule.methods)] : null,
    path: pattern(rule.path, "path"),
    headers: checks("headers", rule.headers, (check: { name: string }) => check.name.toLowerCase()),
    query: checks("query", rule.query, (check: { name: string }) => check.name),
    body: checks("body", rule.body, (check: { path: string }) => check.path),
    token: checks("token", rule.token, (check: { claim: string }) => check.claim),
    credentials: rule.credentials ? [...rule.credentials].sort() : null,
    notes: rule.notes ?? null,
    scope: kind,
    entity: owner.value.id,
    declIndex,
    span: locate(),
  };
}
