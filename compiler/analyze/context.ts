// Shared state of one analysis run: the model, per-scope indexes of the rules other rules
// are compared with, and the caches of automaton results.
import type { IrScope } from "../ir/index.ts";
import { PrefixIndex, SearchCache } from "./coverage.ts";
import { isExact, type Model, type RuleFacts } from "./model.ts";

export class AnalysisContext {
  /** Deny rules that match for sure wherever their method, credential and path do. */
  readonly exactDenies: readonly PrefixIndex[];
  readonly exactAllows: readonly PrefixIndex[];
  /** Every allow rule, for over-approximations of what a scope may allow. */
  readonly allows: readonly PrefixIndex[];
  readonly searches = new SearchCache();
  /** Proxy credentials that reach each scope, sorted. */
  readonly credentials: readonly (readonly string[])[];

  constructor(readonly model: Model) {
    const index = (keep: (facts: RuleFacts) => boolean) =>
      model.scopeRules.map((rules) => new PrefixIndex(rules.filter(keep)));
    this.exactDenies = index((facts) => facts.rule.effect === "deny" && isExact(facts));
    this.exactAllows = index((facts) => facts.rule.effect === "allow" && isExact(facts));
    this.allows = index((facts) => facts.rule.effect === "allow");
    this.credentials = model.scopePairs.map((pairs) =>
      [...new Set(pairs.map((ref) => ref.pair.credential))].sort(),
    );
  }

  scope(index: number): IrScope {
    return this.model.policy.scopes[index]!;
  }
}

/** `scope kind \`entity\``, as messages name a scope. */
export function scopeName(scope: IrScope): string {
  const kind = {
    proxy: "proxy",
    target: "target",
    proxyCredential: "credential",
    targetCredential: "target credential",
  };
  return `${kind[scope.kind]} \`${scope.entity}\``;
}
