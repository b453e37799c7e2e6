// The questions asked of each rule (SPEC §4 semantics, conditions treated conservatively):
// can it match anything; is an allow covered by its own scope's denies (a union of them);
// is it redundant given its scope's default; is an allow always denied by some other scope
// of every proxy × credential pair its scope is part of. Each answer is null when unknown
// (a search past the state budget): no warning then.
import type { AnalysisContext } from "./context.ts";
import { methodGroups } from "./coverage.ts";
import { appliesTo, isExact, type PairRef, type RuleFacts } from "./model.ts";

type Modelled = RuleFacts;

export type NothingReason = { kind: "path" } | { kind: "credentials"; reaching: readonly string[] };

/** Why the rule can match no request at all, or null when it can match some. */
export function matchesNothing(ctx: AnalysisContext, facts: RuleFacts): NothingReason | null {
  const reaching = ctx.credentials[facts.scopeIndex]!;
  if (!reaching.some((credential) => appliesTo(facts, credential))) return { kind: "credentials", reaching };
  if (facts.matchesNoPath() === true) return { kind: "path" };
  return null;
}

/** Credentials that reach the rule's scope and that the rule applies to. */
function applicable(ctx: AnalysisContext, facts: RuleFacts): string[] {
  return ctx.credentials[facts.scopeIndex]!.filter((credential) => appliesTo(facts, credential));
}

/** Same-scope deny rules that together match every request of an allow rule; null if not. */
export function coveredByOwnDenies(ctx: AnalysisContext, facts: Modelled): RuleFacts[] | null {
  const candidates = ctx.exactDenies[facts.scopeIndex]!.around(facts.prefix);
  if (candidates.length === 0) return null;
  const used = new Set<RuleFacts>();
  for (const credential of applicable(ctx, facts)) {
    for (const group of methodGroups(facts.methods, candidates, credential)) {
      const found = ctx.searches.find(facts, group.rules);
      if (found === null || found.path !== null) return null;
      for (const cover of overlapping(ctx, facts, group.rules)) used.add(cover);
    }
  }
  return [...used].sort((a, b) => a.index - b.index);
}

/** A deny rule in a default-deny scope that overlaps no allow rule of that scope. */
export function denyOverlapsNoAllow(ctx: AnalysisContext, facts: Modelled): boolean | null {
  const allows = ctx.allows[facts.scopeIndex]!.around(facts.prefix);
  const checked = new Set<RuleFacts>();
  for (const credential of applicable(ctx, facts)) {
    for (const allow of allows) {
      if (checked.has(allow) || !appliesTo(allow, credential) || (allow.methods & facts.methods) === 0)
        continue;
      checked.add(allow);
      // One allow at a time: small products, and the first overlap ends the search.
      const found = ctx.searches.find(facts, [], [[allow]]);
      if (found === null) return null;
      if (found.path !== null) return false;
    }
  }
  return true;
}

export interface Denial {
  readonly pair: PairRef;
  /** Deny rules (any of the pair's scopes) that match some of the requests. */
  readonly rules: readonly RuleFacts[];
  /** Scopes that deny the rest by default. */
  readonly scopes: readonly number[];
  /** Method classes of one of the denied groups, for the example. */
  readonly methods: number;
}

/** How an allow rule is denied in one pair whatever it allows; null when it is not (or unknown). */
export function deniedInPair(ctx: AnalysisContext, facts: Modelled, ref: PairRef): Denial | null {
  const scopes = ref.pair.scopes;
  const denies = scopes.flatMap((scope) => ctx.exactDenies[scope]!.around(facts.prefix));
  const guards = scopes.filter((scope) => scope !== facts.scopeIndex && ctx.scope(scope).default === "deny");
  const guardAllows = guards.flatMap((scope) => ctx.allows[scope]!.around(facts.prefix));
  const rules = new Set<RuleFacts>();
  const groups = methodGroups(facts.methods, [...denies, ...guardAllows], ref.pair.credential);
  for (const group of groups) {
    const denyRules = group.rules.filter((rule) => rule.rule.effect === "deny");
    // A request is left when no deny matches it and every default-deny scope allows it.
    const within = guards.map((guard) =>
      group.rules.filter((rule) => rule.scopeIndex === guard && rule.rule.effect === "allow"),
    );
    const found = ctx.searches.find(facts, denyRules, within);
    if (found === null || found.path !== null) return null;
    for (const cover of overlapping(ctx, facts, denyRules)) rules.add(cover);
  }
  return {
    pair: ref,
    rules: [...rules].sort((a, b) => a.index - b.index),
    scopes: guards,
    methods: groups[0]?.methods ?? facts.methods,
  };
}

/** Pairs in which the allow rule can apply; each must deny it for the rule to be ineffective. */
export function deniedEverywhere(ctx: AnalysisContext, facts: Modelled): Denial[] | null {
  const denials: Denial[] = [];
  for (const ref of ctx.model.scopePairs[facts.scopeIndex]!) {
    if (!appliesTo(facts, ref.pair.credential)) continue;
    const denial = deniedInPair(ctx, facts, ref);
    if (denial === null) return null;
    denials.push(denial);
  }
  return denials.length > 0 ? denials : null;
}

/** The exact rules among `rules` that share a request with the subject (for notes). */
function overlapping(ctx: AnalysisContext, facts: Modelled, rules: readonly RuleFacts[]): RuleFacts[] {
  return rules.filter((rule) => isExact(rule) && ctx.searches.find(facts, [], [[rule]])?.path !== null);
}
