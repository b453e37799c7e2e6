// The gateway's first stage (SPEC §3): which proxy credential does a request present?
//
// Resolution order, deterministic and documented in README.md:
//  0. Collect carriers: api-key headers / query parameters (only names some apiKey credential uses) and the
//     Authorization header (only when some credential uses it). None → 401; more than one value → 401
//     ambiguous (a key twice, header and query, or an api key together with Authorization).
//  1. Digest look-ups, one Map get each: apiKey → its carrier's table; `Authorization: <scheme> <token>` →
//     the table of that scheme (bearer prefixes; fixed `jwt` tokens under Bearer).
//  2. `Basic` (RFC 7617): username → scrypt hash; verified pairs cached.
//  3. Bearer JWT whose unverified `iss` names jwks credentials: verified by jose against those credentials
//     only (no fall-through to introspection); exactly one must accept. Verified tokens (and introspection
//     answers) are cached by digest and found before the token is decoded.
//  4. Other bearer tokens: RFC 7662 introspection, oauth2 credentials in declaration order, first active wins.
//  5. Anything else → 401. Key source or introspection endpoint unreachable → 503 (fail closed).
// Answers that need no I/O (digests, cached results) are returned synchronously.

import { decodeJwt } from "jose";
import { Agent } from "undici";
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import { deepFreeze } from "../decision/deep-freeze.ts";
import { BasicVerifier, parseBasic } from "./basic.ts";
import { headerValues, type PresentedKey, parseAuthorization, presentedApiKeys } from "./carriers.ts";
import { Challenges } from "./challenge.ts";
import { DigestTables, digestKey } from "./digest.ts";
import { Introspector } from "./introspect.ts";
import { JwksVerifiers, unverifiedIssuer } from "./jwks.ts";
import type { AuthenticatorOptions, AuthRequest, AuthResult, AuthSuccess } from "./types.ts";

export { type HashPasswordOptions, hashPassword } from "./basic.ts";
export { sha256Digest } from "./digest.ts";
export type { AuthenticatorOptions, AuthFailure, AuthRequest, AuthResult, AuthSuccess } from "./types.ts";

const AUTHORIZATION: readonly string[] = Object.freeze(["authorization"]);
const NONE: readonly string[] = Object.freeze([]);

export class Authenticator {
  readonly #digests: DigestTables;
  readonly #challenges: Challenges;
  readonly #basic: BasicVerifier;
  readonly #jwks: JwksVerifiers;
  readonly #introspector: Introspector;
  readonly #agent: Agent;
  /** Does any credential read the Authorization header? If not, it is left alone (and forwarded). */
  readonly #usesAuthorization: boolean;
  /** Decoded payloads of fixed `jwt` tokens, by digest (bounded by the digests in the policy). */
  readonly #jwtClaims = new Map<string, Readonly<Record<string, unknown>> | null>();

  constructor(credentials: readonly ProxyCredential[], options: AuthenticatorOptions) {
    const fetchTimeoutMs = options.fetchTimeoutMs ?? 2000;
    if (!Number.isInteger(fetchTimeoutMs) || fetchTimeoutMs <= 0) {
      throw new RangeError("fetchTimeoutMs must be a positive integer");
    }
    const now = options.now ?? Date.now;
    this.#challenges = new Challenges(credentials);
    this.#digests = new DigestTables(credentials);
    this.#basic = new BasicVerifier(credentials);
    this.#agent = new Agent({ connect: { timeout: fetchTimeoutMs }, keepAliveTimeout: 10_000 });
    const shared = { resolveSecret: options.resolveSecret, fetchTimeoutMs, now, dispatcher: this.#agent };
    this.#jwks = new JwksVerifiers(credentials, {
      ...shared,
      cooldownMs: options.jwksCooldownMs ?? 30_000,
      cacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
      challenges: this.#challenges,
    });
    this.#introspector = new Introspector(credentials, { ...shared, challenges: this.#challenges });
    this.#usesAuthorization = credentials.some((c) => c.auth.type !== "apiKey");
  }

  /** Sync when the answer needs no I/O (digest look-ups, cached results); a Promise otherwise. */
  authenticate(request: AuthRequest): AuthResult | Promise<AuthResult> {
    try {
      const result = this.#authenticate(request);
      if (!(result instanceof Promise)) return result;
      return result.catch(() => this.#challenges.unavailable("internal error"));
    } catch {
      return this.#challenges.unavailable("internal error");
    }
  }

  #authenticate(request: AuthRequest): AuthResult | Promise<AuthResult> {
    const keys = presentedApiKeys(request, this.#digests.apiKeyCarriers);
    const authorization = this.#usesAuthorization ? headerValues(request.headers, "authorization") : [];
    if (keys.length === 0 && authorization.length === 0) {
      return this.#challenges.reject("missing", "no credential presented");
    }
    // Never pick one of two presented credentials silently (the brief's "both resolve to different
    // credentials" always holds here: no credential is presented both ways).
    if (keys.length > 1) return this.#challenges.reject("ambiguous", "api key presented more than once");
    if (authorization.length > 1) {
      return this.#challenges.reject("ambiguous", "authorization header repeated");
    }
    if (keys.length === 1 && authorization.length === 1) {
      return this.#challenges.reject("ambiguous", "api key and authorization both presented");
    }
    const key = keys[0];
    return key !== undefined ? this.#apiKey(key) : this.#authorization(authorization[0]!);
  }

  #apiKey({ value, carrier }: PresentedKey): AuthResult {
    const entry = carrier.table.get(digestKey(value));
    if (entry === null) return this.#challenges.reject("ambiguous", "api key listed by several credentials");
    if (entry === undefined) {
      return this.#challenges.reject("invalid", `api key in ${carrier.kind} ${carrier.name} not recognised`);
    }
    return success(entry.id, null, carrier.stripHeaders, carrier.stripQuery);
  }

  #authorization(value: string): AuthResult | Promise<AuthResult> {
    const parsed = parseAuthorization(value);
    if (parsed === null) return this.#challenges.reject("invalid", "malformed authorization header");
    const { scheme, token } = parsed;
    const table = this.#digests.byScheme.get(scheme);
    let digest: string | null = null;
    if (table !== undefined) {
      digest = digestKey(token);
      const entry = table.get(digest);
      if (entry === null) return this.#challenges.reject("ambiguous", "token listed by several credentials");
      if (entry !== undefined) {
        return success(entry.id, entry.jwt ? this.#fixedClaims(digest, token) : null, AUTHORIZATION, NONE);
      }
    }
    if (scheme === "basic" && this.#basic.enabled) return this.#basicAuth(token);
    if (scheme === "bearer" && (this.#jwks.enabled || this.#introspector.enabled)) {
      return this.#bearer(token, digest ?? digestKey(token));
    }
    // Fixed texts: the scheme comes from the caller and could be long.
    if (scheme === "bearer" || table !== undefined) {
      return this.#challenges.reject("invalid", "token not recognised");
    }
    return this.#challenges.reject("invalid", "unsupported authorization scheme");
  }

  // Steps 3 and 4. The caches are consulted by digest before the token is decoded: a token is cached by
  // the jwks verifiers only once a credential of its (unverified) issuer accepted it, and by the
  // introspector only when that issuer is not a jwks one. The issuer is a function of the token and the
  // credentials never change, so a hit is the answer the decoding route would reach, at no decoding cost.
  #bearer(token: string, key: string): AuthResult | Promise<AuthResult> {
    const jwks = this.#jwks;
    const introspector = this.#introspector;
    const verified = jwks.enabled ? jwks.cached(key) : undefined;
    if (verified !== undefined) return verified;
    const answer = introspector.enabled ? introspector.cached(key) : undefined;
    if (answer !== undefined) return answer;
    const issuer = jwks.enabled ? unverifiedIssuer(token) : null;
    if (issuer !== null && jwks.hasIssuer(issuer)) return jwks.verify(token, issuer, key);
    if (introspector.enabled) return introspector.introspect(token, key);
    return this.#challenges.reject("invalid", "token not recognised");
  }

  #basicAuth(token: string): AuthResult | Promise<AuthResult> {
    const user = parseBasic(token);
    if (user === null) return this.#challenges.reject("invalid", "malformed basic credentials");
    const outcome = this.#basic.verify(user);
    const toResult = (o: Awaited<typeof outcome>): AuthResult =>
      o.ok
        ? success(o.id, null, AUTHORIZATION, NONE)
        : this.#challenges.reject(o.ambiguous ? "ambiguous" : "invalid", o.reason);
    return outcome instanceof Promise ? outcome.then(toResult) : toResult(outcome);
  }

  // The digest is the identity, so the payload is decoded without a signature check; a listed token
  // that is not a decodable JWT still authenticates, with null claims.
  #fixedClaims(digest: string, token: string): Readonly<Record<string, unknown>> | null {
    let claims = this.#jwtClaims.get(digest);
    if (claims === undefined) {
      try {
        claims = deepFreeze({ ...decodeJwt(token) });
      } catch {
        claims = null;
      }
      this.#jwtClaims.set(digest, claims);
    }
    return claims;
  }

  /** Pre-fetches JWKS documents so the first requests do not pay for them; rejects if one failed. */
  warm(): Promise<void> {
    return this.#jwks.warm();
  }

  close(): void {
    this.#jwks.close();
    this.#introspector.close();
    this.#basic.clear();
    this.#agent.close().catch(() => {});
  }
}

function success(
  credential: string,
  claims: Readonly<Record<string, unknown>> | null,
  stripHeaders: readonly string[],
  stripQuery: readonly string[],
): AuthSuccess {
  return { ok: true, credential, claims, stripHeaders, stripQuery };
}
