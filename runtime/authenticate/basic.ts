// HTTP Basic (RFC 7617) against scrypt password hashes (RFC 7914). scrypt is deliberately slow, so verified
// user:password pairs are cached (keyed by an HMAC, never the password) and repeat requests are synchronous.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import { ExpiringLru } from "./lru.ts";

export interface ScryptHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export interface HashPasswordOptions {
  /** CPU/memory cost, a power of two (default 16384). */
  readonly N?: number;
  /** Block size (default 8). */
  readonly r?: number;
  /** Parallelism (default 1). */
  readonly p?: number;
  /** Salt length in bytes (default 16). */
  readonly saltBytes?: number;
  /** Derived key length in bytes (default 32). */
  readonly keyBytes?: number;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `scrypt:<N>:<r>:<p>:<saltBase64>:<hashBase64>`; throws on anything else or on unsafe parameters. */
export function parseScryptHash(text: string): ScryptHash {
  const parts = text.split(":");
  if (parts.length !== 6 || parts[0] !== "scrypt")
    throw new Error("passwordHash is not scrypt:N:r:p:salt:hash");
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Bounds keep a policy from asking for gigabytes per verification.
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0)
    throw new Error("scrypt N is invalid");
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new Error("scrypt r is invalid");
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new Error("scrypt p is invalid");
  if (!B64.test(parts[4]!) || !B64.test(parts[5]!)) throw new Error("scrypt salt or hash is not base64");
  const salt = Buffer.from(parts[4]!, "base64");
  const hash = Buffer.from(parts[5]!, "base64");
  if (salt.length < 8 || hash.length < 16) throw new Error("scrypt salt or hash is too short");
  return { N, r, p, salt, hash };
}

function derive(password: string, salt: Buffer, keyBytes: number, N: number, r: number, p: number) {
  return new Promise<Buffer>((resolve, reject) => {
    // scrypt needs 128·N·r bytes; Node refuses above `maxmem` (32 MiB by default).
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** The `passwordHash` of a basic proxy credential (backs `rrc hash-password`). */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  const { N = 16384, r = 8, p = 1, saltBytes = 16, keyBytes = 32 } = options;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyBytes, N, r, p);
  const text = `scrypt:${N}:${r}:${p}:${salt.toString("base64")}:${key.toString("base64")}`;
  parseScryptHash(text); // refuses parameters the verifier would refuse
  return text;
}

/** Verifies `password` against a parsed hash in constant time over the derived key. */
export async function verifyPassword(password: string, stored: ScryptHash): Promise<boolean> {
  const key = await derive(password, stored.salt, stored.hash.length, stored.N, stored.r, stored.p);
  return timingSafeEqual(key, stored.hash);
}

export interface BasicUser {
  readonly username: string;
  readonly password: string;
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** RFC 7617 §2: base64 of `user-id ":" password`; the user-id cannot contain a colon, no CTLs. */
export function parseBasic(token68: string): BasicUser | null {
  if (!B64.test(token68) || token68.length % 4 !== 0) return null;
  let text: string;
  try {
    text = STRICT_UTF8.decode(Buffer.from(token68, "base64"));
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  // RFC 7617 §2: neither part may contain control characters.
  if (colon < 0 || /[\u0000-\u001f\u007f]/.test(text)) return null;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export type BasicOutcome =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly ambiguous: boolean; readonly reason: string };

interface Account {
  readonly id: string;
  readonly hash: ScryptHash;
}

export class BasicVerifier {
  /** username → account; null when two credentials share a username (refused as ambiguous). */
  readonly #accounts = new Map<string, Account | null>();
  readonly #verified = new ExpiringLru<string>(10_000);
  readonly #inFlight = new Map<string, Promise<BasicOutcome>>();
  // A per-process key: the cache keys are useless for an offline guess at the passwords.
  readonly #cacheKey = randomBytes(32);
  // Unknown usernames still pay one scrypt, so response time does not reveal which usernames exist.
  readonly #decoy: ScryptHash = { N: 16384, r: 8, p: 1, salt: randomBytes(16), hash: randomBytes(32) };

  constructor(credentials: readonly ProxyCredential[]) {
    for (const { id, auth } of credentials) {
      if (auth.type !== "basic") continue;
      let hash: ScryptHash;
      try {
        hash = parseScryptHash(auth.passwordHash);
      } catch (error) {
        throw new Error(`proxy credential ${id}: ${(error as Error).message}`);
      }
      this.#accounts.set(auth.username, this.#accounts.has(auth.username) ? null : { id, hash });
    }
  }

  get enabled(): boolean {
    return this.#accounts.size > 0;
  }

  verify(user: BasicUser): BasicOutcome | Promise<BasicOutcome> {
    const account = this.#accounts.get(user.username);
    if (account === null)
      return { ok: false, ambiguous: true, reason: "basic: username shared by several credentials" };
    const key = createHmac("sha256", this.#cacheKey)
      .update(`${user.username}:${user.password}`)
      .digest("hex");
    const cached = this.#verified.get(key, 0);
    if (cached !== undefined) return { ok: true, id: cached };
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const outcome = this.#check(user.password, account, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, outcome);
    return outcome;
  }

  async #check(password: string, account: Account | undefined, key: string): Promise<BasicOutcome> {
    const matches = await verifyPassword(password, account?.hash ?? this.#decoy);
    if (account === undefined) return { ok: false, ambiguous: false, reason: "basic: unknown username" };
    if (!matches) return { ok: false, ambiguous: false, reason: `basic: wrong password for ${account.id}` };
    this.#verified.set(key, account.id, Number.POSITIVE_INFINITY, 0);
    return { ok: true, id: account.id };
  }

  clear(): void {
    this.#verified.clear();
  }
}
