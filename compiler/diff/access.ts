// What one side allows, per proxy × credential and method class, as two path languages:
// `sure` (allowed whatever the headers, query, body and claims) and `maybe` (allowed for
// some of them). Rules with such checks, and rules whose pattern is not modelled, count in
// `maybe` only: a conditional deny may deny, a conditional allow may allow. The languages
// are over raw paths (framed, see analyze/language.ts); `canonical` restricts them to the
// paths the proxy lets through.
import { canonicalPaths } from "../analyze/canonical.ts";
import {
  everything,
  intersect,
  type Language,
  nothing,
  patternLanguage,
  subtract,
  union,
} from "../analyze/language.ts";
import { methodMask } from "../analyze/model.ts";
import type { FlatPolicy, IrPair, IrProxy, IrRule, IrScope } from "../ir/index.ts";

/** The state budget of one diff operation; whole scopes are unioned, so it is larger than the build's. */
export const DIFF_LIMIT = 50_000;

export interface Access {
  /** Identifies the rules and defaults the languages come from (same key, same languages). */
  readonly key: string;
  readonly sure: Language;
  readonly maybe: Language;
}

interface RuleLanguage {
  readonly rule: IrRule;
  readonly methods: number;
  readonly exact: boolean;
  readonly modelled: boolean;
  /** Raw paths the pattern matches; everything when it is not modelled. */
  readonly paths: Language;
}

export class SideAccess {
  readonly proxies: ReadonlyMap<string, IrProxy>;
  /** Rules whose path pattern is not modelled: `kind:entity:id`. */
  readonly unmodelled: string[] = [];
  private readonly rules: RuleLanguage[][];
  private readonly scopeCache = new Map<string, { sure: Language; maybe: Language }>();
  private readonly pairCache = new Map<string, Access>();

  constructor(readonly policy: FlatPolicy) {
    this.proxies = new Map(policy.proxies.map((proxy) => [proxy.id, proxy]));
    const patterns = new Map<string, Language | null>();
    this.rules = policy.scopes.map((scope) =>
      scope.rules.map((rule) => {
        let paths: Language | null = everything();
        if (rule.path) {
          const key = `${rule.path.ignoreCase ? "i" : "-"}${rule.path.source}`;
          if (!patterns.has(key)) {
            const built = patternLanguage(rule.path.source, rule.path.ignoreCase);
            patterns.set(key, built.ok ? built.language : null);
          }
          paths = patterns.get(key)!;
        }
        if (paths === null) this.unmodelled.push(`${rule.scope}:${rule.entity}:${rule.id}`);
        const conditional =
          rule.headers.length + rule.query.length + rule.body.length + rule.token.length > 0;
        return {
          rule,
          methods: methodMask(rule.methods),
          exact: paths !== null && !conditional,
          modelled: paths !== null,
          paths: paths ?? everything(),
        };
      }),
    );
  }

  pair(proxy: string, credential: string): IrPair | null {
    return this.proxies.get(proxy)?.pairs.find((pair) => pair.credential === credential) ?? null;
  }

  canonical(proxy: string): Language {
    const found = this.proxies.get(proxy);
    return found ? canonicalPaths(found.options) : nothing();
  }

  /** What the pair allows for one method class (a bit of METHOD_CLASSES). */
  access(pair: IrPair, methodBit: number): Access {
    const parts = pair.scopes.map((scope) => {
      const applying = this.rules[scope]!.filter(
        (facts) =>
          (facts.methods & (1 << methodBit)) !== 0 &&
          (facts.rule.credentials === null || facts.rule.credentials.includes(pair.credential)),
      );
      return { scope, applying, key: `${scope}:${applying.map((facts) => facts.rule.declIndex).join(",")}` };
    });
    const key = parts.map((part) => part.key).join("|");
    let access = this.pairCache.get(key);
    if (access) return access;
    let sure = everything();
    let maybe = everything();
    for (const part of parts) {
      const scoped = this.scopeAccess(this.policy.scopes[part.scope]!, part.key, part.applying);
      sure = intersect(sure, scoped.sure, DIFF_LIMIT);
      maybe = intersect(maybe, scoped.maybe, DIFF_LIMIT);
    }
    access = { key, sure, maybe };
    this.pairCache.set(key, access);
    return access;
  }

  /** SPEC §4 for one scope: any matching deny denies; else a matching allow or the default. */
  private scopeAccess(scope: IrScope, key: string, rules: readonly RuleLanguage[]) {
    let found = this.scopeCache.get(key);
    if (found) return found;
    const paths = (keep: (facts: RuleLanguage) => boolean) =>
      union(
        rules.filter(keep).map((facts) => facts.paths),
        DIFF_LIMIT,
      );
    const denySure = paths((facts) => facts.rule.effect === "deny" && facts.exact);
    const denyMaybe = paths((facts) => facts.rule.effect === "deny");
    const allowSure =
      scope.default === "allow" ? everything() : paths((f) => f.rule.effect === "allow" && f.exact);
    const allowMaybe = scope.default === "allow" ? everything() : paths((f) => f.rule.effect === "allow");
    found = {
      sure: subtract(allowSure, denyMaybe, DIFF_LIMIT),
      maybe: subtract(allowMaybe, denySure, DIFF_LIMIT),
    };
    this.scopeCache.set(key, found);
    return found;
  }

  /** Raw languages of every path pattern of the pair's rules, to name a flip by. */
  patterns(pair: IrPair): { source: string; ignoreCase: boolean; paths: Language }[] {
    return pair.scopes.flatMap((scope) =>
      this.rules[scope]!.flatMap((facts) =>
        facts.rule.path && facts.modelled
          ? [{ source: facts.rule.path.source, ignoreCase: facts.rule.path.ignoreCase, paths: facts.paths }]
          : [],
      ),
    );
  }
}
