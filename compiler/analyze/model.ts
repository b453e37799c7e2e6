// What the analysis knows about each rule: the requests it can match, as credentials ×
// method classes × a path language. Header, query, body and token checks are not modelled:
// a rule with any of them is "conditional" and counts only where over-approximating is safe
// (it may match wherever its method and path match) and never where it would have to match
// for sure (it covers nothing). Path automata are built on first use: most rules of a large
// policy are only ever compared by prefix and need none.
import { METHODS, reportRank } from "../emit/tables.ts";
import type { FlatPolicy, IrPair, IrRule } from "../ir/index.ts";
import { anyCanonicalPath } from "./canonical.ts";
import { intersect, type Language, LanguageTooLarge, MAX_STATES, searchLanguage } from "./language.ts";
import { type PatternNode, parsePattern } from "./regex-parse.ts";
import { literalPrefix, provenPath } from "./shortcuts.ts";

/** The methods rules can name, then every other method (a rule without `methods` matches it). */
export const METHOD_CLASSES: readonly string[] = [...METHODS, "other methods"];
export const ANY_METHOD = (1 << METHOD_CLASSES.length) - 1;

type Built = { readonly paths: Language } | { readonly reason: string };

/** Automata by pattern, shared by rules that repeat a pattern. */
class PatternCache {
  private readonly built = new Map<string, Built>();

  get(key: string, root: PatternNode): Built {
    let found = this.built.get(key);
    if (!found) {
      try {
        // Two small products (frame, then canonical paths) beat one large one.
        found = { paths: intersect(searchLanguage(root), anyCanonicalPath()) };
      } catch (error) {
        if (!(error instanceof LanguageTooLarge)) throw error;
        found = { reason: `needs an automaton of more than ${MAX_STATES} states` };
      }
      this.built.set(key, found);
    }
    return found;
  }
}

export class RuleFacts {
  /** `kind:entity:id`, unique in the policy; what the manifest lists when pruned. */
  readonly key: string;
  readonly rank: number;
  readonly methods: number;
  readonly conditional: boolean;
  readonly body: boolean;
  /** A lower-cased literal prefix every matched path starts with, for grouping. */
  readonly prefix: string;
  private readonly root: PatternNode | null;
  private parseError: string | null = null;
  private built: Built | null = null;

  constructor(
    /** Position in Model.rules. */
    readonly index: number,
    readonly rule: IrRule,
    readonly scopeIndex: number,
    private readonly patterns: PatternCache,
  ) {
    this.key = ruleKey(rule);
    this.rank = reportRank(rule);
    this.methods = methodMask(rule.methods);
    this.conditional = rule.headers.length + rule.query.length + rule.body.length + rule.token.length > 0;
    this.body = rule.body.length > 0;
    let root: PatternNode | null = null;
    if (rule.path) {
      const parsed = parsePattern(rule.path.source, rule.path.ignoreCase);
      if (parsed.ok) root = parsed.root;
      else this.parseError = `uses ${parsed.reason}`;
    }
    this.root = root;
    this.prefix = root ? literalPrefix(root) : "";
  }

  /** Canonical paths (framed) the path pattern matches; null when it cannot be modelled. */
  get paths(): Language | null {
    if (!this.rule.path) return anyCanonicalPath();
    if (this.root === null) return null;
    this.built ??= this.patterns.get(
      `${this.rule.path.ignoreCase ? "i" : "-"}${this.rule.path.source}`,
      this.root,
    );
    return "paths" in this.built ? this.built.paths : null;
  }

  /** Why the pattern is not modelled, once that is known. */
  get skipped(): string | null {
    if (this.parseError) return this.parseError;
    return this.built && "reason" in this.built ? this.built.reason : null;
  }

  /** Whether the pattern can be modelled, as far as is known without building it. */
  get modelled(): boolean {
    return this.root !== null || !this.rule.path;
  }

  /** Whether the path pattern matches no canonical path; null when that cannot be told. */
  matchesNoPath(): boolean | null {
    const path = this.rule.path;
    if (!path || this.root === null) return path ? null : false;
    if (provenPath(path.source, path.ignoreCase, this.root) !== null) return false;
    return this.paths?.isEmpty ?? null;
  }
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
  const patterns = new PatternCache();
  const rules: RuleFacts[] = [];
  const scopeRules = policy.scopes.map((scope, scopeIndex) =>
    scope.rules.map((rule) => {
      const facts = new RuleFacts(rules.length, rule, scopeIndex, patterns);
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

/** Paths a rule may match, for over-approximations: an unmodelled pattern may match anything. */
export function possiblePaths(facts: RuleFacts): Language {
  return facts.paths ?? anyCanonicalPath();
}

/** Whether the rule matches every request its method, credential and path admit. */
export function isExact(facts: RuleFacts): boolean {
  return !facts.conditional && facts.modelled;
}
