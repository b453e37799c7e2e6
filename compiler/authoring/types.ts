// The policy document: what a JSON policy holds and what a TypeScript policy produces.
// schemas/policy.schema.json describes the same shape; test/schema checks they agree.

export type Effect = "allow" | "deny";
export type ScopeDefault = "allow" | "deny";
export type HttpMethod =
  | "GET"
  | "HEAD"
  | "POST"
  | "PUT"
  | "PATCH"
  | "DELETE"
  | "OPTIONS"
  | "TRACE"
  | "CONNECT";
export type Presence = "present" | "absent";
/** Regex flags: only case-insensitive matching is supported. */
export type RegexFlags = "" | "i";

export interface HeaderCheck {
  /** Header name, matched case-insensitively. */
  readonly name: string;
  /** RE2 regex over the header value (search semantics). */
  readonly value?: string;
  readonly presence?: Presence;
}

export interface QueryCheck {
  /** Query parameter name, matched case-sensitively. */
  readonly name: string;
  readonly value?: string;
  readonly presence?: Presence;
}

export interface BodyCheck {
  /** JSONPath subset: `$`, `.k`, `['k']`, `[n]`, `[*]`, `..`. */
  readonly path: string;
  readonly value?: string;
  readonly presence?: Presence;
}

export interface TokenCheck {
  /** Dotted claim path; for an array claim any element counts. */
  readonly claim: string;
  readonly value?: string;
  readonly presence?: Presence;
}

export interface Rule {
  readonly id: string;
  readonly effect: Effect;
  /** 0–1000, default 500; orders rules for reporting. */
  readonly priority?: number;
  readonly methods?: readonly HttpMethod[];
  /** RE2 regex over the canonical path. */
  readonly path?: string;
  readonly headers?: readonly HeaderCheck[];
  readonly query?: readonly QueryCheck[];
  readonly body?: readonly BodyCheck[];
  readonly token?: readonly TokenCheck[];
  /** Limits the rule to requests presenting one of these proxy credentials (an rrc extension). */
  readonly credentials?: readonly string[];
  readonly flags?: RegexFlags;
  readonly notes?: string;
}

export type SecretRef = { readonly env: string } | { readonly file: string } | { readonly encrypted: string };

export interface RequestMatch {
  readonly methods?: readonly HttpMethod[];
  readonly path?: string;
  readonly flags?: RegexFlags;
}

export type Detector = "email" | "credit-card" | "api-key" | "jwt";

export type Filter =
  | { readonly op: "destroy"; readonly paths: readonly string[]; readonly match?: RequestMatch }
  | { readonly op: "retain"; readonly paths: readonly string[]; readonly match?: RequestMatch }
  | {
      readonly op: "mask";
      readonly detect?: readonly Detector[];
      readonly patterns?: readonly string[];
      readonly replacement?: string;
      readonly match?: RequestMatch;
    };

export type MeterWindow = "minute" | "hour" | "day" | "month";

export interface Meter {
  readonly id: string;
  readonly per?: "proxy" | "credential";
  readonly limits?: { readonly [W in MeterWindow]?: number };
  readonly match?: RequestMatch;
  /** JSONPath into a 2xx JSON response whose number is added instead of 1. */
  readonly value?: string;
}

export interface Target {
  readonly id: string;
  readonly url: string;
  readonly default?: ScopeDefault;
  readonly rules?: readonly Rule[];
  readonly filters?: readonly Filter[];
}

export type TargetAuth =
  | { readonly type: "none" }
  | { readonly type: "apiKey"; readonly header?: string; readonly secret: SecretRef }
  | { readonly type: "bearer"; readonly secret: SecretRef }
  | { readonly type: "basic"; readonly username: string; readonly password: SecretRef }
  | {
      readonly type: "headers";
      readonly headers: readonly { readonly name: string; readonly secret: SecretRef }[];
    }
  | {
      readonly type: "oauth2";
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: SecretRef;
      readonly scopes?: readonly string[];
      readonly audience?: string;
    };

export interface TargetCredential {
  readonly id: string;
  readonly target: string;
  readonly auth: TargetAuth;
  readonly default?: ScopeDefault;
  readonly rules?: readonly Rule[];
  readonly filters?: readonly Filter[];
}

/** `sha256:` followed by 64 lowercase hex digits. */
export type Sha256Digest = `sha256:${string}`;

export type ProxyAuth =
  | {
      readonly type: "apiKey";
      readonly keys: readonly Sha256Digest[];
      readonly header?: string;
      readonly query?: string;
    }
  | { readonly type: "bearer"; readonly tokens: readonly Sha256Digest[]; readonly prefix?: string }
  | { readonly type: "basic"; readonly username: string; readonly passwordHash: `scrypt:${string}` }
  | { readonly type: "jwt"; readonly tokens: readonly Sha256Digest[] }
  | {
      readonly type: "jwks";
      readonly jwksUri?: string;
      readonly secret?: SecretRef;
      readonly issuer: string;
      readonly audience: string | readonly string[];
      readonly algorithms: readonly string[];
      readonly clockTolerance?: number;
    }
  | {
      readonly type: "oauth2";
      readonly introspectionUrl: string;
      readonly clientId: string;
      readonly clientSecret: SecretRef;
    };

export interface ProxyCredential {
  readonly id: string;
  readonly auth: ProxyAuth;
  readonly default?: ScopeDefault;
  readonly rules?: readonly Rule[];
  readonly filters?: readonly Filter[];
}

/** Request-shape checks a proxy may relax; each one is unsafe (SPEC §5). */
export interface UnsafeOptions {
  /** Accept `;` path parameters, which some servers strip. */
  readonly pathParameters?: boolean;
  /** Accept `%25` followed by two hex digits (double encoding). */
  readonly doubleEncoding?: boolean;
}

export interface Proxy {
  readonly id: string;
  readonly target: string;
  readonly targetCredential: string;
  readonly credentials: readonly string[];
  readonly default: ScopeDefault;
  readonly hosts?: readonly string[];
  readonly rules?: readonly Rule[];
  readonly meters?: readonly Meter[];
  readonly filters?: readonly Filter[];
  /** Largest request body, in bytes, that body rules inspect (default 1 MiB). */
  readonly bodyLimit?: number;
  readonly unsafe?: UnsafeOptions;
}

export interface PolicyDocument {
  readonly $schema?: string;
  readonly targets?: readonly Target[];
  readonly targetCredentials?: readonly TargetCredential[];
  readonly proxyCredentials?: readonly ProxyCredential[];
  readonly proxies?: readonly Proxy[];
}
