// OAuth 2.0 token introspection (RFC 7662) for opaque bearer tokens. Active answers are cached until the
// token's `exp` (SPEC §3), inactive ones briefly, so repeat requests are synchronous.
import { type Dispatcher, request } from "undici";
import type { ProxyCredential, SecretRef } from "../../compiler/authoring/types.ts";
import { deepFreeze } from "../decision/deep-freeze.ts";
import type { Challenges } from "./challenge.ts";
import { digestKey } from "./digest.ts";
import { ExpiringLru } from "./lru.ts";
import type { AuthResult, AuthSuccess } from "./types.ts";

const AUTHORIZATION: readonly string[] = Object.freeze(["authorization"]);
const NONE: readonly string[] = Object.freeze([]);
/** Active answers without `exp` stay this long. */
const NO_EXP_TTL_MS = 60_000;
/** Inactive answers stay this long: a token just issued may become known to the server. */
const INACTIVE_TTL_MS = 5_000;
/** An introspection answer is a small JSON object; anything larger is refused as garbage. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface IntrospectionOptions {
  readonly resolveSecret: (ref: SecretRef) => string;
  readonly fetchTimeoutMs: number;
  readonly now: () => number;
  readonly dispatcher: Dispatcher;
  readonly challenges: Challenges;
}

interface Endpoint {
  readonly id: string;
  readonly url: string;
  /** `Basic …` client authentication, built once. */
  readonly authorization: string;
}

type Answer =
  | { readonly kind: "active"; readonly response: Record<string, unknown> }
  | { readonly kind: "inactive" }
  | { readonly kind: "unavailable"; readonly reason: string };

// RFC 6749 §2.3.1: client id and secret are form-urlencoded before they are joined for HTTP Basic.
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

// Destroying an unread undici body emits an AbortError: without a listener it would crash the process.
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on("error", () => {});
  body.destroy();
}

export class Introspector {
  readonly #endpoints: Endpoint[] = [];
  readonly #answers = new ExpiringLru<AuthResult>(10_000);
  readonly #inFlight = new Map<string, Promise<AuthResult>>();
  readonly #options: IntrospectionOptions;

  constructor(credentials: readonly ProxyCredential[], options: IntrospectionOptions) {
    this.#options = options;
    for (const { id, auth } of credentials) {
      if (auth.type !== "oauth2") continue;
      const secret = options.resolveSecret(auth.clientSecret);
      const basic = Buffer.from(`${formEncode(auth.clientId)}:${formEncode(secret)}`).toString("base64");
      this.#endpoints.push({ id, url: new URL(auth.introspectionUrl).href, authorization: `Basic ${basic}` });
    }
  }

  get enabled(): boolean {
    return this.#endpoints.length > 0;
  }

  /** The cached answer for a token by its `digestKey`, while it lasts. */
  cached(key: string): AuthResult | undefined {
    return this.#answers.get(key, this.#options.now());
  }

  /** `key` is the token's `digestKey`, if the caller has it already. */
  introspect(token: string, key = digestKey(token)): AuthResult | Promise<AuthResult> {
    const cached = this.cached(key);
    if (cached !== undefined) return cached;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const result = this.#resolve(token, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, result);
    return result;
  }

  // Declaration order, first active wins. An endpoint that cannot answer stops the walk with 503: a
  // later endpoint's "active" would otherwise depend on the earlier one's availability.
  async #resolve(token: string, key: string): Promise<AuthResult> {
    const { challenges, now } = this.#options;
    for (const endpoint of this.#endpoints) {
      const answer = await this.#ask(endpoint, token);
      if (answer.kind === "unavailable") return challenges.unavailable(answer.reason);
      if (answer.kind === "inactive") continue;
      const claims = deepFreeze(answer.response);
      const result: AuthSuccess = {
        ok: true,
        credential: endpoint.id,
        claims,
        stripHeaders: AUTHORIZATION,
        stripQuery: NONE,
      };
      const at = now();
      const exp = claims.exp;
      this.#answers.set(key, result, typeof exp === "number" ? exp * 1000 : at + NO_EXP_TTL_MS, at);
      return result;
    }
    const inactive = challenges.reject("invalid", "oauth2: token inactive");
    const at = now();
    this.#answers.set(key, inactive, at + INACTIVE_TTL_MS, at);
    return inactive;
  }

  async #ask(endpoint: Endpoint, token: string): Promise<Answer> {
    const timeout = this.#options.fetchTimeoutMs;
    const down = (why: string): Answer => ({ kind: "unavailable", reason: `oauth2 ${endpoint.id}: ${why}` });
    let text: string;
    try {
      const response = await request(endpoint.url, {
        method: "POST",
        dispatcher: this.#options.dispatcher,
        // RFC 7662 §2.1: form-encoded `token`, with a hint; the client authenticates (RFC 6749 §2.3.1).
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        headers: {
          authorization: endpoint.authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        signal: AbortSignal.timeout(timeout),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      if (response.statusCode !== 200) {
        discard(response.body);
        return down(`status ${response.statusCode}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          discard(response.body);
          return down("response too large");
        }
        chunks.push(chunk as Buffer);
      }
      text = Buffer.concat(chunks).toString("utf8");
    } catch (error) {
      // Codes and names only (ECONNREFUSED, TimeoutError, …): an error message could echo the request.
      const { code, name } = error as { code?: unknown; name?: unknown };
      return down(`request failed (${typeof code === "string" ? code : String(name)})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return down("response is not JSON");
    }
    // RFC 7662 §2.2: a JSON object whose `active` member is REQUIRED and boolean.
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return down("not a JSON object");
    const response = parsed as Record<string, unknown>;
    if (typeof response.active !== "boolean") return down("`active` is missing");
    return response.active ? { kind: "active", response } : { kind: "inactive" };
  }

  close(): void {
    this.#answers.clear();
  }
}
