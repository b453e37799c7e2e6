// The one intermediate representation shared by the passes, the reference interpreter
// and the emitter. Every node keeps the span of the source it came from.

export interface Span {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** 0-based offset into the file and length of the spanned text, when known. */
  readonly offset: number;
  readonly length: number;
}

export const SCOPE_KINDS = ["proxy", "target", "proxyCredential", "targetCredential"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export interface IrPattern {
  readonly source: string;
  readonly ignoreCase: boolean;
  readonly span: Span;
}

export type IrPresence = "present" | "absent";

export interface IrFieldCheck {
  /** Header names are lower-cased; query names, JSONPaths and claim paths are kept as written. */
  readonly key: string;
  readonly presence: IrPresence;
  readonly pattern: IrPattern | null;
  readonly span: Span;
}

export interface IrRule {
  readonly id: string;
  readonly effect: "allow" | "deny";
  readonly priority: number;
  readonly methods: readonly string[] | null;
  readonly path: IrPattern | null;
  readonly headers: readonly IrFieldCheck[];
  readonly query: readonly IrFieldCheck[];
  readonly body: readonly IrFieldCheck[];
  readonly token: readonly IrFieldCheck[];
  /** Proxy credential ids the rule is limited to; null = any. */
  readonly credentials: readonly string[] | null;
  readonly notes: string | null;
  readonly scope: ScopeKind;
  readonly entity: string;
  /** Position among the rules of its entity, in declaration order. */
  readonly declIndex: number;
  readonly span: Span;
}

/** One entity's rules and default: an independent scope (SPEC §4). */
export interface IrScope {
  readonly kind: ScopeKind;
  readonly entity: string;
  readonly default: "allow" | "deny";
  readonly rules: readonly IrRule[];
}

/** The four scopes in play for one proxy and one credential it accepts. */
export interface IrPair {
  readonly credential: string;
  /** Indices into FlatPolicy.scopes, in SCOPE_KINDS order. */
  readonly scopes: readonly [number, number, number, number];
  /** Header names (lower-cased) and query names some rule of these scopes inspects. */
  readonly inspectedHeaders: readonly string[];
  readonly inspectedQuery: readonly string[];
}

export interface IrProxyOptions {
  readonly allowPathParameters: boolean;
  readonly allowDoubleEncoding: boolean;
  readonly bodyLimit: number;
}

export interface IrProxy {
  readonly id: string;
  readonly target: string;
  readonly targetCredential: string;
  readonly options: IrProxyOptions;
  readonly pairs: readonly IrPair[];
}

/** What the flatten pass produces and both evaluators read. */
export interface FlatPolicy {
  readonly scopes: readonly IrScope[];
  readonly proxies: readonly IrProxy[];
}

export const DEFAULT_PRIORITY = 500;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
