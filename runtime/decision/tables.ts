// The data the compiler emits into a decision module and the engine reads. Rules are
// integer-indexed; regexes are already in RE2.Set form (flags inlined).
import type { JsonPathSegment } from "../request/json-path.ts";

export const FIELD_HEADER = 0;
export const FIELD_QUERY = 1;
export const FIELD_BODY = 2;
export const FIELD_TOKEN = 3;

export interface FieldTable {
  readonly kind: 0 | 1 | 2 | 3;
  /** Lower-cased header name, query name, JSONPath source or claim path. */
  readonly key: string;
  /** Parsed JSONPath, for body fields. */
  readonly segments: readonly JsonPathSegment[] | null;
  readonly patterns: readonly string[];
}

export interface RuleTable {
  readonly id: string;
  readonly deny: boolean;
  /** Lower sorts first when reporting: priority, then scope order, then declaration order. */
  readonly rank: number;
  /** Proxy credential ids the rule is limited to; null = any. */
  readonly credentials: readonly string[] | null;
  /** Bit per entry of Tables.methods; 0 means any method. */
  readonly methods: number;
  readonly needsBody: boolean;
  /** Triples: field index, 1 = present / 0 = absent, pattern index or -1. */
  readonly checks: readonly number[];
}

export interface ScopeTable {
  readonly kind: "proxy" | "target" | "proxyCredential" | "targetCredential";
  readonly entity: string;
  readonly denyByDefault: boolean;
  readonly pathPatterns: readonly string[];
  /** For each path pattern, the rules that use it (ascending). */
  readonly pathRules: readonly (readonly number[])[];
  /** Rules with no path regex: candidates for every path. */
  readonly anyPathRules: readonly number[];
  readonly rules: readonly RuleTable[];
  readonly fields: readonly FieldTable[];
}

export interface PairTable {
  readonly credential: string;
  readonly scopes: readonly [number, number, number, number];
  readonly inspectedHeaders: readonly string[];
  readonly inspectedQuery: readonly string[];
}

export interface ProxyTable {
  readonly id: string;
  readonly allowPathParameters: boolean;
  readonly allowDoubleEncoding: boolean;
  readonly bodyLimit: number;
  readonly pairs: readonly PairTable[];
}

export interface Tables {
  readonly methods: readonly string[];
  readonly scopes: readonly ScopeTable[];
  readonly proxies: readonly ProxyTable[];
}

/** RE2.Set patterns above this count need more than RE2's default memory budget. */
export const LARGE_SET = 1000;
