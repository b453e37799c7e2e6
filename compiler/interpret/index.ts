// The reference interpreter: SPEC §4 read literally over the flattened IR, one rule at a
// time, one regex at a time. It is slow on purpose; the emitted module must agree with
// it on verdict and reported rule for every request.
import type RE2 from "re2";
import { hasAmbiguousField, isCanonicalMethod, readBody } from "../../runtime/decision/request-checks.ts";
import {
  DECISION_CODES,
  type Decision,
  type DecisionCode,
  type DecisionRequest,
} from "../../runtime/decision/types.ts";
import { canonicalizePath } from "../../runtime/request/canonical-path.ts";
import { collectHeader, collectQuery } from "../../runtime/request/fields.ts";
import { jsonText } from "../../runtime/request/json-body.ts";
import {
  type JsonPathSegment,
  parseJsonPath,
  selectClaim,
  selectJsonPath,
} from "../../runtime/request/json-path.ts";
import type { FlatPolicy, IrFieldCheck, IrPattern, IrRule, IrScope, ScopeKind } from "../ir/index.ts";
import { compileSingle } from "../regex/set-pattern.ts";

export type RulePart = "credential" | "method" | "path" | "headers" | "query" | "body" | "token";

export interface RuleTrace {
  readonly rule: IrRule;
  readonly matched: boolean;
  /** The first part of the rule that did not hold. */
  readonly failed: RulePart | null;
}

export interface ScopeTrace {
  readonly scope: IrScope;
  readonly rules: readonly RuleTrace[];
  readonly outcome: "allow" | "deny";
  readonly byDefault: boolean;
}

export interface Explanation {
  readonly decision: Decision;
  readonly canonicalPath: string | null;
  readonly scopes: readonly ScopeTrace[];
}

export interface Interpreter {
  decide(request: DecisionRequest): Decision;
  explain(request: DecisionRequest): Explanation;
}

export function createInterpreter(policy: FlatPolicy): Interpreter {
  const regexes = new Map<string, RE2>();
  const jsonPaths = new Map<string, JsonPathSegment[]>();
  const test = (pattern: IrPattern, value: string): boolean => {
    const key = `${pattern.ignoreCase ? "i" : "-"}${pattern.source}`;
    let regex = regexes.get(key);
    if (!regex) {
      regex = compileSingle(pattern.source, pattern.ignoreCase);
      regexes.set(key, regex);
    }
    return regex.test(value);
  };
  const segments = (path: string): JsonPathSegment[] => {
    let parsed = jsonPaths.get(path);
    if (!parsed) {
      const result = parseJsonPath(path);
      if (!result.ok) throw new Error(`invalid JSONPath reached the interpreter: ${path}`);
      parsed = result.segments;
      jsonPaths.set(path, parsed);
    }
    return parsed;
  };

  const explain = (request: DecisionRequest): Explanation => {
    const refuse = (code: DecisionCode, canonicalPath: string | null = null): Explanation => ({
      decision: { verdict: "deny", status: DECISION_CODES[code], code, scope: null, rule: null },
      canonicalPath,
      scopes: [],
    });
    const proxy = policy.proxies.find((candidate) => candidate.id === request.proxy);
    if (!proxy) return refuse("unknown-proxy");
    const pair = proxy.pairs.find((candidate) => candidate.credential === request.credential);
    if (!pair) return refuse("credential-not-accepted");
    if (!isCanonicalMethod(request.method)) return refuse("non-canonical-request");
    const canonical = canonicalizePath(request.path, proxy.options);
    if (!canonical.ok) return refuse("non-canonical-request");
    const path = canonical.path;
    if (hasAmbiguousField(request.headers, request.query, pair.inspectedHeaders, pair.inspectedQuery)) {
      return refuse("ambiguous-request", path);
    }
    const scopes = pair.scopes.map((index) => policy.scopes[index]!);

    const credentialHolds = (rule: IrRule) =>
      rule.credentials === null || rule.credentials.includes(request.credential);
    const methodHolds = (rule: IrRule) => rule.methods === null || rule.methods.includes(request.method);
    const pathHolds = (rule: IrRule) => rule.path === null || test(rule.path, path);
    // SPEC §5: a body rule that could apply needs an inspectable body, whatever else it checks.
    const needsBody = scopes.some((scope) =>
      scope.rules.some(
        (rule) => rule.body.length > 0 && credentialHolds(rule) && methodHolds(rule) && pathHolds(rule),
      ),
    );
    let body: unknown;
    if (needsBody) {
      const read = readBody(request.body, proxy.options.bodyLimit);
      if (!read.ok) return refuse(read.code, path);
      body = read.value;
    }

    const values = (kind: "headers" | "query" | "body" | "token", key: string): (string | null)[] => {
      if (kind === "headers" || kind === "query") {
        const found: string[] = [];
        if (kind === "headers") collectHeader(request.headers ?? {}, key, found);
        else collectQuery(request.query ?? {}, key, found);
        return found;
      }
      const selected: unknown[] = [];
      if (kind === "body") {
        if (body !== undefined) selectJsonPath(body, segments(key), selected);
      } else if (request.claims) {
        selectClaim(request.claims, key, selected);
      }
      return selected.map(jsonText);
    };
    const checkHolds = (kind: "headers" | "query" | "body" | "token", check: IrFieldCheck): boolean => {
      const found = values(kind, check.key);
      const pattern = check.pattern;
      const some =
        pattern === null ? found.length > 0 : found.some((value) => value !== null && test(pattern, value));
      return check.presence === "present" ? some : !some;
    };
    const firstFailure = (rule: IrRule): RulePart | null => {
      if (rule.credentials !== null && !rule.credentials.includes(request.credential)) return "credential";
      if (!methodHolds(rule)) return "method";
      if (!pathHolds(rule)) return "path";
      for (const kind of ["headers", "query", "body", "token"] as const) {
        if (!rule[kind].every((check) => checkHolds(kind, check))) return kind;
      }
      return null;
    };

    let bestDeny: { rule: IrRule; order: number } | null = null;
    let bestAllow: { rule: IrRule; order: number } | null = null;
    const traces: ScopeTrace[] = scopes.map((scope, order) => {
      const rules = scope.rules.map((rule) => {
        const failed = firstFailure(rule);
        return { rule, matched: failed === null, failed };
      });
      for (const trace of rules) {
        if (!trace.matched) continue;
        const candidate = { rule: trace.rule, order };
        if (trace.rule.effect === "deny") {
          if (!bestDeny || reportsBefore(candidate, bestDeny)) bestDeny = candidate;
        } else if (!bestAllow || reportsBefore(candidate, bestAllow)) {
          bestAllow = candidate;
        }
      }
      const denied = rules.some((trace) => trace.matched && trace.rule.effect === "deny");
      const allowed = rules.some((trace) => trace.matched && trace.rule.effect === "allow");
      const outcome = denied ? "deny" : allowed ? "allow" : scope.default;
      return { scope, rules, outcome, byDefault: !denied && !allowed };
    });

    return { decision: verdictOf(traces, bestDeny, bestAllow), canonicalPath: path, scopes: traces };
  };

  return { explain, decide: (request) => explain(request).decision };
}

/** Reporting order (SPEC §4): higher priority, then scope order, then declaration order. */
function reportsBefore(a: { rule: IrRule; order: number }, b: { rule: IrRule; order: number }): boolean {
  if (a.rule.priority !== b.rule.priority) return a.rule.priority > b.rule.priority;
  if (a.order !== b.order) return a.order < b.order;
  return a.rule.declIndex < b.rule.declIndex;
}

function verdictOf(
  traces: readonly ScopeTrace[],
  bestDeny: { rule: IrRule } | null,
  bestAllow: { rule: IrRule } | null,
): Decision {
  if (bestDeny)
    return {
      verdict: "deny",
      status: 403,
      code: "rule-denied",
      scope: bestDeny.rule.scope,
      rule: bestDeny.rule.id,
    };
  const defaulted = traces.find((trace) => trace.outcome === "deny");
  if (defaulted) {
    return {
      verdict: "deny",
      status: 403,
      code: "default-denied",
      scope: defaulted.scope.kind as ScopeKind,
      rule: null,
    };
  }
  return {
    verdict: "allow",
    status: 200,
    code: "access-granted",
    scope: bestAllow ? bestAllow.rule.scope : null,
    rule: bestAllow ? bestAllow.rule.id : null,
  };
}
