// What the analysis knows about each rule: the requests it can match, as credentials ×
// method classes × a path language. Header, query, body and token checks are not modelled:
// a rule with any of them is "conditional" and counts only where over-approximating is safe
// (it may match wherever its method and path match) and never where it would have to match
// for sure (it covers nothing).
import { METHODS, reportRank } from "../emit/tables.ts";
import type { FlatPolicy, IrPair, IrRule } from "../ir/index.ts";
import { anyCanonicalPath } from "./canonical.ts";
import { intersect, type Language, LanguageTooLarge, patternLanguage } from "./language.ts";

/** The methods rules can name, then every other method (a rule without `methods` matches it). */
export const METHOD_CLASSES: readonly string[] = [...METHODS, "other methods"];
export const ANY_METHOD = (1 << METHOD_CLASSES.length) - 1;

export interface RuleFacts {
  /** Position in Model.rules. */
  readonly index: number;
  readonly rule: IrRule;
  readonly scopeIndex: number;
  /** `kind:entity:id`, unique in the policy; what the manifest lists when pruned. */
  readonly key: string;
  readonly rank: number;
  readonly methods: number;
  readonly conditional: boolean;
  readonly body: boolean;
  /** Canonical paths the rule's path pattern matches (framed); null when not modelled. */
  readonly paths: Language | null;
  readonly skipped: { readonly reason: string } | null;
  /** A lower-cased literal prefix every path in `paths` starts with, for grouping. */
  readonly prefix: string;
}

export interface PairRef {
  readonly proxy: string;
  readonly pair: IrPair;
}

export interface Model {
  readonly policy: FlatPolicy;
  readonly rules: readonly RuleFacts[];
  /** Rules of each scope, in declaration order. */
  readonly scopeRules: readonly (readonly RuleFacts[])[];
  /** The proxy × credential pairs each scope is part of. */
  readonly scopePairs: readonly (readonly PairRef[])[];
}

export function ruleKey(rule: IrRule): string {
  return `${rule.scope}:${rule.entity}:${rule.id}`;
}

export function methodMask(methods: readonly string[] | null): number {
  if (methods === null) return ANY_METHOD;
  return methods.reduce((mask, method) => mask | (1 << METHODS.indexOf(method as never)), 0);
}

export function appliesTo(facts: RuleFacts, credential: string): boolean {
  return facts.rule.credentials === null || facts.rule.credentials.includes(credential);
}

export function buildModel(policy: FlatPolicy): Model {
  const languages = new Map<string, { paths: Language | null; reason: string | null }>();
  const rules: RuleFacts[] = [];
  const scopeRules = policy.scopes.map((scope, scopeIndex) =>
    scope.rules.map((rule) => {
      const facts = ruleFacts(rule, scopeIndex, rules.length, languages);
      rules.push(facts);
      return facts;
    }),
  );
  const scopePairs: PairRef[][] = policy.scopes.map(() => []);
  for (const proxy of policy.proxies) {
    for (const pair of proxy.pairs) {
      for (const scopeIndex of new Set(pair.scopes)) scopePairs[scopeIndex]!.push({ proxy: proxy.id, pair });
    }
  }
  return { policy, rules, scopeRules, scopePairs };
}

function ruleFacts(
  rule: IrRule,
  scopeIndex: number,
  index: number,
  languages: Map<string, { paths: Language | null; reason: string | null }>,
): RuleFacts {
  let paths: Language | null = anyCanonicalPath();
  let reason: string | null = null;
  if (rule.path) {
    const cacheKey = `${rule.path.ignoreCase ? "i" : "-"}${rule.path.source}`;
    let cached = languages.get(cacheKey);
    if (!cached) {
      const built = patternLanguage(rule.path.source, rule.path.ignoreCase);
      if (built.ok) {
        try {
          cached = { paths: intersect(built.language, anyCanonicalPath()), reason: null };
        } catch (error) {
          if (!(error instanceof LanguageTooLarge)) throw error;
          cached = { paths: null, reason: "its automaton is too large" };
        }
      } else cached = { paths: null, reason: built.reason };
      languages.set(cacheKey, cached);
    }
    paths = cached.paths;
    reason = cached.reason;
  }
  return {
    index,
    rule,
    scopeIndex,
    key: ruleKey(rule),
    rank: reportRank(rule),
    methods: methodMask(rule.methods),
    conditional: rule.headers.length + rule.query.length + rule.body.length + rule.token.length > 0,
    body: rule.body.length > 0,
    paths,
    skipped: reason === null ? null : { reason },
    prefix: paths ? literalPrefix(paths) : "",
  };
}

/** Paths a rule may match, for over-approximations: an unmodelled pattern may match anything. */
export function possiblePaths(facts: RuleFacts): Language {
  return facts.paths ?? anyCanonicalPath();
}

/** Whether the rule matches every request its method, credential and path admit. */
export function isExact(facts: RuleFacts): facts is RuleFacts & { paths: Language } {
  return !facts.conditional && facts.paths !== null;
}

/** Follows the automaton while every path agrees on one character (or one letter in either case). */
function literalPrefix(language: Language): string {
  let prefix = "";
  let state = language.initial;
  for (let steps = 0; steps < 256 && !language.finals.has(state); steps++) {
    const chars: number[] = [];
    let next: typeof state | null = null;
    for (const [range, target] of state.out) {
      if (next !== null && target !== next) return prefix;
      next = target;
      for (let c = range.min; c <= range.max && chars.length <= 2; c++) chars.push(c);
    }
    if (next === null || chars.length > 2) break;
    // The first step reads the start marker.
    if (steps > 0) {
      const [a, b] = chars.map((c) => String.fromCharCode(c));
      if (b !== undefined && a!.toLowerCase() !== b.toLowerCase()) break;
      prefix += a!.toLowerCase();
    }
    state = next;
  }
  return prefix;
}

