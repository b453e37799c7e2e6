// Bearer JWTs verified by signature (RFC 7519 JWT, RFC 7515 JWS, RFC 7517 JWK Set), chosen by issuer.
// The issuer is read from the unverified payload only to pick candidates; jose then enforces it.
import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors,
  type FetchImplementation,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { type Dispatcher, fetch } from "undici";
import type { ProxyCredential, SecretRef } from "../../compiler/authoring/types.ts";
import { deepFreeze } from "../decision/deep-freeze.ts";
import type { Challenges } from "./challenge.ts";
import { digestKey } from "./digest.ts";
import { ExpiringLru } from "./lru.ts";
import type { AuthResult, AuthSuccess } from "./types.ts";

// RFC 7518 §3.2: HS algorithms take a shared secret; every other JWS algorithm takes a public key.
const HMAC = new Set(["HS256", "HS384", "HS512"]);
const AUTHORIZATION: readonly string[] = Object.freeze(["authorization"]);
const NONE: readonly string[] = Object.freeze([]);
const MAX_JWKS_BYTES = 1024 * 1024;
/** How long a verified token without `exp` stays cached. */
const NO_EXP_TTL_MS = 300_000;

export interface JwksOptions {
  readonly resolveSecret: (ref: SecretRef) => string;
  readonly fetchTimeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  readonly now: () => number;
  readonly dispatcher: Dispatcher;
  readonly challenges: Challenges;
}

/** A JWKS URL shared by the credentials naming it; `generation` counts successful fetches. */
interface KeySource {
  readonly uri: string;
  readonly keys: ReturnType<typeof createRemoteJWKSet>;
  generation: number;
}

interface Verifier {
  readonly id: string;
  /** The HS shared secret, or null with a JWKS `source`. */
  readonly secret: Uint8Array | null;
  readonly source: KeySource | null;
  readonly options: JWTVerifyOptions;
}

interface Verified {
  readonly result: AuthSuccess;
  readonly source: KeySource | null;
  readonly generation: number;
}

type Outcome =
  | {
      readonly kind: "ok";
      readonly verifier: Verifier;
      readonly generation: number;
      readonly payload: object;
    }
  | { readonly kind: "invalid" | "unavailable"; readonly reason: string };

/** Marks a failure to reach the key source, as opposed to a bad token. */
class KeySourceError extends Error {}

/** The `iss` of a compact JWT, read without verifying anything; null when the token is not a JWT. */
export function unverifiedIssuer(token: string): string | null {
  // decodeJwt refuses anything but three dot-separated parts by throwing, which costs a stack trace:
  // opaque tokens (bound for introspection) are answered without it.
  const first = token.indexOf(".");
  const second = first < 0 ? -1 : token.indexOf(".", first + 1);
  if (second < 0 || token.indexOf(".", second + 1) >= 0) return null;
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === "string" ? iss : null;
  } catch {
    return null;
  }
}

export class JwksVerifiers {
  readonly #byIssuer = new Map<string, Verifier[]>();
  readonly #sources = new Map<string, KeySource>();
  readonly #verified = new ExpiringLru<Verified>(10_000);
  readonly #inFlight = new Map<string, Promise<AuthResult>>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #options: JwksOptions;

  constructor(credentials: readonly ProxyCredential[], options: JwksOptions) {
    this.#options = options;
    for (const { id, auth } of credentials) {
      if (auth.type !== "jwks") continue;
      if ((auth.jwksUri === undefined) === (auth.secret === undefined)) {
        throw new Error(`proxy credential ${id}: a jwks credential needs exactly one of jwksUri and secret`);
      }
      const shared = auth.secret !== undefined;
      // Only algorithms matching the key kind: an HS token can never be checked against a public key
      // used as an HMAC secret (algorithm confusion), and `none` is never accepted.
      const algorithms = auth.algorithms.filter((alg) => alg !== "none" && HMAC.has(alg) === shared);
      if (algorithms.length === 0) {
        throw new Error(
          `proxy credential ${id}: no algorithm in ${auth.algorithms.join(", ")} suits its key`,
        );
      }
      const source = auth.jwksUri === undefined ? null : this.#source(auth.jwksUri);
      const secret = source === null ? new TextEncoder().encode(options.resolveSecret(auth.secret!)) : null;
      const audience = typeof auth.audience === "string" ? auth.audience : [...auth.audience];
      const verifier: Verifier = {
        id,
        secret,
        source,
        options: { issuer: auth.issuer, audience, algorithms, clockTolerance: auth.clockTolerance ?? 0 },
      };
      const list = this.#byIssuer.get(auth.issuer);
      if (list === undefined) this.#byIssuer.set(auth.issuer, [verifier]);
      else list.push(verifier);
    }
  }

  get enabled(): boolean {
    return this.#byIssuer.size > 0;
  }

  hasIssuer(issuer: string): boolean {
    return this.#byIssuer.has(issuer);
  }

  /**
   * The cached result for a token by its `digestKey`, without decoding it: only tokens that one of
   * these credentials verified (so whose `iss` names one of them) are cached. Undefined once the entry
   * expired (`exp` plus tolerance) or a JWKS was fetched since (its key may have been dropped).
   */
  cached(key: string): AuthSuccess | undefined {
    const hit = this.#verified.get(key, this.#options.now());
    if (hit !== undefined && (hit.source === null || hit.source.generation === hit.generation)) {
      return hit.result;
    }
    return undefined;
  }

  /** Verifies `token` against the credentials of `issuer`; `key` is its `digestKey`, if known. */
  verify(token: string, issuer: string, key = digestKey(token)): AuthResult | Promise<AuthResult> {
    const hit = this.cached(key);
    if (hit !== undefined) return hit;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const result = this.#verifyAll(token, issuer, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, result);
    return result;
  }

  async #verifyAll(token: string, issuer: string, key: string): Promise<AuthResult> {
    const { challenges, now } = this.#options;
    const candidates = this.#byIssuer.get(issuer) ?? [];
    const outcomes = await Promise.all(candidates.map((verifier) => this.#verifyOne(verifier, token)));
    const accepted = outcomes.filter((o) => o.kind === "ok");
    if (accepted.length > 1)
      return challenges.reject("ambiguous", "jwks: token accepted by several credentials");
    const ok = accepted[0];
    if (ok === undefined) {
      // Fail closed: a candidate whose keys could not be read might have accepted the token.
      const failures = outcomes.flatMap((o) => (o.kind === "ok" ? [] : [o]));
      const down = failures.find((o) => o.kind === "unavailable");
      if (down !== undefined) return challenges.unavailable(down.reason);
      const reasons = failures.map((o) => o.reason);
      return challenges.reject("invalid", reasons.join("; "));
    }
    const claims = deepFreeze({ ...ok.payload }) as Readonly<Record<string, unknown>>;
    const result: AuthSuccess = {
      ok: true,
      credential: ok.verifier.id,
      claims,
      stripHeaders: AUTHORIZATION,
      stripQuery: NONE,
    };
    const exp = claims.exp;
    const tolerance = Number(ok.verifier.options.clockTolerance ?? 0) * 1000;
    const at = now();
    const expiresAt = typeof exp === "number" ? exp * 1000 + tolerance : at + NO_EXP_TTL_MS;
    this.#verified.set(key, { result, source: ok.verifier.source, generation: ok.generation }, expiresAt, at);
    return result;
  }

  async #verifyOne(verifier: Verifier, token: string): Promise<Outcome> {
    const { source } = verifier;
    // The generation of the key set the key came from, so that a later fetch invalidates the cached
    // result. A stale set is reloaded before use, so the key is from the new one; otherwise a fetch that
    // completed meanwhile leaves it unknown which set served the key, and the older generation is kept.
    let generation = 0;
    const key: JWTVerifyGetKey | Uint8Array =
      source === null
        ? verifier.secret!
        : async (header, jws) => {
            const before = source.generation;
            const stale = !source.keys.fresh;
            const found = await source.keys(header, jws);
            generation = stale ? source.generation : before;
            return found;
          };
    try {
      const options = { ...verifier.options, currentDate: new Date(this.#options.now()) };
      const { payload } = await jwtVerify(token, key, options);
      return { kind: "ok", verifier, generation, payload };
    } catch (error) {
      const code =
        error instanceof errors.JOSEError
          ? error.code
          : error instanceof KeySourceError
            ? "JWKS unreachable"
            : "error";
      return { kind: unavailable(error) ? "unavailable" : "invalid", reason: `jwks ${verifier.id}: ${code}` };
    }
  }

  #source(uri: string): KeySource {
    const existing = this.#sources.get(uri);
    if (existing !== undefined) return existing;
    const { dispatcher, fetchTimeoutMs, cooldownMs, cacheMaxAgeMs } = this.#options;
    const fetchKeys: FetchImplementation = async (url, init) => {
      let text: string;
      try {
        const { method, redirect, signal } = init;
        const response = await fetch(url, {
          method,
          redirect,
          signal,
          headers: [...init.headers],
          dispatcher,
        });
        if (response.status !== 200) {
          await response.body?.cancel();
          return new Response(null, { status: response.status }); // jose refuses it: 503
        }
        text = await readCapped(response.body);
      } catch (cause) {
        throw new KeySourceError("JWKS fetch failed", { cause });
      }
      // Counted once the body is in memory: from here until jose swaps in the new set only microtasks
      // run, so no verification can start in between and pair the new generation with an old key.
      source.generation++;
      return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
    };
    // jose refetches on an unknown `kid` at most once per cooldown, so a flood of made-up kids cannot
    // turn into a flood of requests to the key server.
    const keys = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: fetchTimeoutMs,
      cooldownDuration: cooldownMs,
      cacheMaxAge: cacheMaxAgeMs,
      [customFetch]: fetchKeys,
    });
    const source: KeySource = { uri, keys, generation: 0 };
    this.#sources.set(uri, source);
    return source;
  }

  /** Fetches every JWKS now and keeps refreshing ahead of expiry, off the request path. */
  async warm(): Promise<void> {
    const sources = [...this.#sources.values()];
    if (this.#timers.length === 0) {
      const every = Math.max(1000, Math.floor(this.#options.cacheMaxAgeMs * 0.8));
      for (const source of sources) {
        const timer = setInterval(() => source.keys.reload().catch(() => {}), every);
        timer.unref();
        this.#timers.push(timer);
      }
    }
    const settled = await Promise.allSettled(sources.map((source) => source.keys.reload()));
    const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [sources[i]!.uri] : []));
    if (failed.length > 0) throw new Error(`JWKS unavailable: ${failed.join(", ")}`);
  }

  close(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#verified.clear();
  }
}

/** The body as text, refusing more than MAX_JWKS_BYTES (a key set is a few kilobytes). */
async function readCapped(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_JWKS_BYTES) throw new Error("JWKS response too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** True when the failure says nothing about the token: the key source was unreachable or garbled. */
function unavailable(error: unknown): boolean {
  if (error instanceof KeySourceError) return true;
  if (!(error instanceof errors.JOSEError)) return true; // unexpected: fail closed, never open
  switch (error.code) {
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
    case "ERR_JWK_INVALID":
    case "ERR_JOSE_GENERIC": // jose's own: non-200 answer or a body that is not JSON
      return true;
    default:
      return false;
  }
}
