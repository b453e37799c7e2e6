// Public types of the authentication stage (SPEC §3); index.ts re-exports them.
import type { SecretRef } from "../../compiler/authoring/types.ts";

export interface AuthRequest {
  /** Node's IncomingMessage.headers: lower-case names; values string | string[] | undefined. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed query: name → all values in order. */
  readonly query: ReadonlyMap<string, readonly string[]>;
}

export interface AuthSuccess {
  readonly ok: true;
  /** Proxy credential id. */
  readonly credential: string;
  /** jwt/jwks payload or introspection response (deep-frozen); null for the other kinds. */
  readonly claims: Readonly<Record<string, unknown>> | null;
  /** Lower-case header names to remove before forwarding (the caller's credential). */
  readonly stripHeaders: readonly string[];
  /** Query parameter names to remove before forwarding. */
  readonly stripQuery: readonly string[];
}

export interface AuthFailure {
  readonly ok: false;
  readonly status: 401 | 503;
  readonly code: "unauthenticated" | "auth-unavailable";
  /** WWW-Authenticate header value (RFC 9110 §11.6.1). */
  readonly challenge: string;
  /** Short internal reason for logs; never contains what the caller presented. */
  readonly reason: string;
}

export type AuthResult = AuthSuccess | AuthFailure;

export interface AuthenticatorOptions {
  /** Resolves jwks HS shared secrets and oauth2 client secrets. */
  resolveSecret(ref: SecretRef): string;
  /** Timeout for JWKS and introspection requests (default 2000 ms). */
  fetchTimeoutMs?: number;
  /** Minimum time between two JWKS fetches triggered by an unknown `kid` (default 30,000 ms). */
  jwksCooldownMs?: number;
  /** Age after which a JWKS document is fetched again (default 600,000 ms). */
  jwksCacheMaxAgeMs?: number;
  /** Millisecond clock, for tests. */
  now?: () => number;
}
