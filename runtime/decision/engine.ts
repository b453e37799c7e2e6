// The decision engine bundled into every decision module. It walks the emitted tables:
// one RE2.Set pass over the path per scope picks the candidate rules, so the cost stays
// flat as rules grow (and a path seen before is not matched again); field values are
// matched once per decision and cached. Decisions are prebuilt frozen objects, so deciding
// allocates little.
import { Buffer } from "node:buffer";
import { canonicalizePath } from "../request/canonical-path.ts";
import { collectHeader, collectQuery, type FieldMap } from "../request/fields.ts";
import { jsonText } from "../request/json-body.ts";
import { selectClaim, selectJsonPath } from "../request/json-path.ts";
import { hasAmbiguousField, isCanonicalMethod, readBody } from "./request-checks.ts";
import {
  FIELD_BODY,
  FIELD_HEADER,
  FIELD_QUERY,
  type FieldTable,
  LARGE_SET,
  type PairTable,
  type ProxyTable,
  type RuleTable,
  type ScopeTable,
  type Tables,
} from "./tables.ts";
import { DECISION_CODES, type Decision, type DecisionCode, type DecisionRequest } from "./types.ts";

export interface Re2Set {
  match(input: Buffer): number[];
  test(input: Buffer): boolean;
}

export interface Re2Module {
  Set: new (
    patterns: readonly string[],
    flags?: string,
    options?: { anchor?: string; maxMem?: number },
  ) => Re2Set;
}

export interface Decider {
  decide(request: DecisionRequest): Decision;
}

export interface DeciderOptions {
  /**
   * Remember each scope's path-set matches per canonical path (default true). Benchmarks of the
   * engine itself turn it off, so that every decision pays its RE2 pass as a first request would.
   */
  readonly rememberPaths?: boolean;
}

const EMPTY: FieldMap = Object.freeze({});

function errorDecision(code: DecisionCode): Decision {
  return Object.freeze({ verdict: "deny", status: DECISION_CODES[code], code, scope: null, rule: null });
}

const REFUSALS = Object.fromEntries(
  (Object.keys(DECISION_CODES) as DecisionCode[]).map((code) => [code, errorDecision(code)]),
) as Record<DecisionCode, Decision>;
const ALLOW_BY_DEFAULT: Decision = Object.freeze({
  verdict: "allow",
  status: 200,
  code: "access-granted",
  scope: null,
  rule: null,
});

function buildSet(re2: Re2Module, patterns: readonly string[]): Re2Set | null {
  if (patterns.length === 0) return null;
  const maxMem = patterns.length > LARGE_SET ? 64 * patterns.length * 1024 : undefined;
  return new re2.Set(patterns, "u", maxMem ? { anchor: "unanchored", maxMem } : { anchor: "unanchored" });
}

class CompiledField {
  readonly set: Re2Set | null;
  /** Decision number for which `count` and `hits` are current. */
  stamp = 0;
  count = 0;
  readonly hits: Uint8Array;

  constructor(
    readonly table: FieldTable,
    re2: Re2Module,
  ) {
    this.set = buildSet(re2, table.patterns);
    this.hits = new Uint8Array(table.patterns.length);
  }
}

/**
 * Path-set matches are remembered per scope for paths up to this length: a path seen before costs one
 * Map look-up instead of a UTF-8 copy and an RE2 pass. Bounded: the cache starts over when full.
 */
const CACHED_PATHS = 1024;
const CACHED_PATH_LENGTH = 256;

class CompiledScope {
  readonly pathSet: Re2Set | null;
  /** Canonical path → indexes of the path patterns it matches (never mutated once stored). */
  readonly pathMatches = new Map<string, readonly number[]>();
  readonly fields: CompiledField[];
  readonly credentialSets: (ReadonlySet<string> | null)[];
  /** Per rule, the decision it reports: allow or deny, as the rule is. */
  readonly decisions: Decision[];
  readonly defaultDecision: Decision;

  constructor(
    readonly table: ScopeTable,
    re2: Re2Module,
  ) {
    this.pathSet = buildSet(re2, table.pathPatterns);
    this.fields = table.fields.map((field) => new CompiledField(field, re2));
    this.credentialSets = table.rules.map((rule) => (rule.credentials ? new Set(rule.credentials) : null));
    this.decisions = table.rules.map((rule: RuleTable) =>
      Object.freeze({
        verdict: rule.deny ? "deny" : "allow",
        status: rule.deny ? 403 : 200,
        code: rule.deny ? "rule-denied" : "access-granted",
        scope: table.kind,
        rule: rule.id,
      }),
    );
    this.defaultDecision = Object.freeze({
      verdict: "deny",
      status: 403,
      code: "default-denied",
      scope: table.kind,
      rule: null,
    });
  }
}

interface CompiledProxy {
  readonly table: ProxyTable;
  readonly pairs: Map<string, PairTable>;
}

/** Per-decision working state, reused across decisions (deciding is synchronous). */
class DecisionState {
  stamp = 0;
  request: DecisionRequest = null as unknown as DecisionRequest;
  bodyRead = false;
  bodyValue: unknown = undefined;
  bodyError: DecisionCode | null = null;
  bodyLimit = 0;
  bestDenyRank = Number.POSITIVE_INFINITY;
  bestDeny: Decision | null = null;
  bestAllowRank = Number.POSITIVE_INFINITY;
  bestAllow: Decision | null = null;
  denied = false;
  allowed = false;
  readonly strings: string[] = [];
  readonly values: unknown[] = [];
}

export function createDecider(tables: Tables, re2: Re2Module, options: DeciderOptions = {}): Decider {
  const rememberPaths = options.rememberPaths !== false;
  const methodBits = new Map(tables.methods.map((method, index) => [method, 1 << index]));
  const scopes = tables.scopes.map((scope) => new CompiledScope(scope, re2));
  const proxies = new Map<string, CompiledProxy>(
    tables.proxies.map((proxy) => [
      proxy.id,
      { table: proxy, pairs: new Map(proxy.pairs.map((pair) => [pair.credential, pair])) },
    ]),
  );
  const state = new DecisionState();

  const fieldOf = (scope: CompiledScope, index: number): CompiledField => {
    const field = scope.fields[index]!;
    if (field.stamp === state.stamp) return field;
    field.stamp = state.stamp;
    field.hits.fill(0);
    const table = field.table;
    const strings = state.strings;
    strings.length = 0;
    let count: number;
    if (table.kind === FIELD_HEADER || table.kind === FIELD_QUERY) {
      if (table.kind === FIELD_HEADER) collectHeader(state.request.headers ?? EMPTY, table.key, strings);
      else collectQuery(state.request.query ?? EMPTY, table.key, strings);
      count = strings.length;
    } else {
      const values = state.values;
      values.length = 0;
      if (table.kind === FIELD_BODY) {
        if (state.bodyValue !== undefined) selectJsonPath(state.bodyValue, table.segments!, values);
      } else if (state.request.claims) {
        selectClaim(state.request.claims, table.key, values);
      }
      count = values.length;
      for (const value of values) {
        const text = jsonText(value);
        if (text !== null) strings.push(text);
      }
    }
    field.count = count;
    if (field.set) {
      for (const text of strings) {
        for (const hit of field.set.match(Buffer.from(text))) field.hits[hit] = 1;
      }
    }
    return field;
  };

  /** Evaluates one candidate rule; returns false when the body could not be inspected. */
  const evaluate = (scope: CompiledScope, index: number, methodBit: number): boolean => {
    const rule = scope.table.rules[index]!;
    if (rule.methods !== 0 && (rule.methods & methodBit) === 0) return true;
    const credentials = scope.credentialSets[index];
    if (credentials && !credentials.has(state.request.credential)) return true;
    if (rule.needsBody && !state.bodyRead) {
      state.bodyRead = true;
      const read = readBody(state.request.body, state.bodyLimit);
      if (!read.ok) {
        state.bodyError = read.code;
        return false;
      }
      state.bodyValue = read.value;
    }
    const checks = rule.checks;
    for (let at = 0; at < checks.length; at += 3) {
      const field = fieldOf(scope, checks[at]!);
      const pattern = checks[at + 2]!;
      const some = pattern < 0 ? field.count > 0 : field.hits[pattern] === 1;
      if (some !== (checks[at + 1] === 1)) return true;
    }
    if (rule.deny) {
      state.denied = true;
      if (rule.rank < state.bestDenyRank) {
        state.bestDenyRank = rule.rank;
        state.bestDeny = scope.decisions[index]!;
      }
    } else {
      state.allowed = true;
      if (rule.rank < state.bestAllowRank) {
        state.bestAllowRank = rule.rank;
        state.bestAllow = scope.decisions[index]!;
      }
    }
    return true;
  };

  const pathMatches = (scope: CompiledScope, set: Re2Set, path: string): readonly number[] => {
    if (!rememberPaths) return set.match(Buffer.from(path));
    const cached = scope.pathMatches.get(path);
    if (cached !== undefined) return cached;
    const patterns = set.match(Buffer.from(path));
    if (path.length <= CACHED_PATH_LENGTH) {
      if (scope.pathMatches.size >= CACHED_PATHS) scope.pathMatches.clear();
      scope.pathMatches.set(path, patterns);
    }
    return patterns;
  };

  const decide = (request: DecisionRequest): Decision => {
    const proxy = proxies.get(request.proxy);
    if (!proxy) return REFUSALS["unknown-proxy"];
    const pair = proxy.pairs.get(request.credential);
    if (!pair) return REFUSALS["credential-not-accepted"];
    if (!isCanonicalMethod(request.method)) return REFUSALS["non-canonical-request"];
    const canonical = canonicalizePath(request.path, proxy.table);
    if (!canonical.ok) return REFUSALS["non-canonical-request"];
    if (hasAmbiguousField(request.headers, request.query, pair.inspectedHeaders, pair.inspectedQuery)) {
      return REFUSALS["ambiguous-request"];
    }
    state.stamp = (state.stamp + 1) >>> 0 || 1;
    state.request = request;
    state.bodyRead = false;
    state.bodyValue = undefined;
    state.bodyError = null;
    state.bodyLimit = proxy.table.bodyLimit;
    state.bestDenyRank = Number.POSITIVE_INFINITY;
    state.bestDeny = null;
    state.bestAllowRank = Number.POSITIVE_INFINITY;
    state.bestAllow = null;
    const methodBit = methodBits.get(request.method) ?? 0;
    const path = canonical.path;
    let defaultDenial: Decision | null = null;
    // Indexed loops: the hot path allocates no iterators.
    const scopeIndexes = pair.scopes;
    for (let s = 0; s < scopeIndexes.length; s++) {
      const scope = scopes[scopeIndexes[s]!]!;
      state.denied = false;
      state.allowed = false;
      const table = scope.table;
      if (scope.pathSet) {
        const patterns = pathMatches(scope, scope.pathSet, path);
        for (let p = 0; p < patterns.length; p++) {
          const rules = table.pathRules[patterns[p]!]!;
          for (let r = 0; r < rules.length; r++) {
            if (!evaluate(scope, rules[r]!, methodBit)) return REFUSALS[state.bodyError!];
          }
        }
      }
      const anyPathRules = table.anyPathRules;
      for (let r = 0; r < anyPathRules.length; r++) {
        if (!evaluate(scope, anyPathRules[r]!, methodBit)) return REFUSALS[state.bodyError!];
      }
      if (!state.denied && !state.allowed && table.denyByDefault && !defaultDenial) {
        defaultDenial = scope.defaultDecision;
      }
    }
    state.request = null as unknown as DecisionRequest;
    if (state.bestDeny) return state.bestDeny;
    if (defaultDenial) return defaultDenial;
    return state.bestAllow ?? ALLOW_BY_DEFAULT;
  };

  return { decide };
}
