import { randomUUID } from "node:crypto";
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import {
  Authenticator,
  type AuthenticatorOptions,
  type AuthResult,
} from "../../runtime/authenticate/index.ts";
import { deadUrl, listen, request, secrets, sleep, type TestServer } from "./support.ts";

const ISSUER = "https://issuer.test/";
const TOLERANT = "https://tolerant.test/";
const HS_ISSUER = "https://hs.test/";
const HS_SECRET = "a-shared-secret-of-decent-length-0123456789";

interface Pair {
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
}
const rsa1: Pair = await generateKeyPair("RS256");
const rsa2: Pair = await generateKeyPair("RS256");
const ec1: Pair = await generateKeyPair("ES256");
const publicJwk = async (pair: Pair, kid: string, alg: string) => ({
  ...(await exportJWK(pair.publicKey)),
  kid,
  alg,
  use: "sig",
});
const RSA1 = await publicJwk(rsa1, "rsa-1", "RS256");
const RSA2 = await publicJwk(rsa2, "rsa-2", "RS256");
const EC1 = await publicJwk(ec1, "ec-1", "ES256");

// The key server: what it serves and how often it was asked.
const jwks = {
  keys: [] as object[],
  mode: "ok" as "ok" | "garbage" | "error" | "not-a-set" | "huge" | "hang",
  fetches: 0,
};
let server: TestServer;
let stopped: TestServer;

// Whole seconds, so that second-granularity claims and the ms clock agree exactly.
let clock = Math.floor(Date.now() / 1000) * 1000;
const nowSec = () => Math.floor(clock / 1000);
const open: Authenticator[] = [];

function credentials(jwksUri: string): ProxyCredential[] {
  return [
    {
      id: "users",
      auth: { type: "jwks", jwksUri, issuer: ISSUER, audience: "api", algorithms: ["RS256", "ES256"] },
    },
    {
      id: "partners",
      auth: {
        type: "jwks",
        jwksUri,
        issuer: TOLERANT,
        audience: ["api", "partner-api"],
        algorithms: ["RS256"],
        clockTolerance: 30,
      },
    },
    {
      id: "internal",
      auth: {
        type: "jwks",
        secret: { env: "HS_SECRET" },
        issuer: HS_ISSUER,
        audience: "internal",
        algorithms: ["HS256"],
      },
    },
  ];
}

function make(jwksUri = server.url + "/jwks", options: Partial<AuthenticatorOptions> = {}): Authenticator {
  const auth = new Authenticator(credentials(jwksUri), {
    resolveSecret: secrets({ HS_SECRET }),
    now: () => clock,
    fetchTimeoutMs: 500,
    ...options,
  });
  open.push(auth);
  return auth;
}

interface Claims {
  iss?: string;
  aud?: string | string[];
  exp?: number;
  kid?: string;
  alg?: string;
}

function sign(key: CryptoKey | Uint8Array, claims: Claims = {}): Promise<string> {
  const { iss = ISSUER, aud = "api", exp = nowSec() + 600, kid = "rsa-1", alg = "RS256" } = claims;
  return new SignJWT({ sub: "user-1", jti: randomUUID() })
    .setProtectedHeader({ alg, kid })
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(nowSec() - 5)
    .setExpirationTime(exp)
    .sign(key);
}

const bearer = (token: string) => request({ authorization: `Bearer ${token}` });

function failure(result: AuthResult, status: 401 | 503 = 401) {
  if (result.ok) throw new Error(`expected a failure, got ${result.credential}`);
  expect(result.status).toBe(status);
  expect(result.code).toBe(status === 401 ? "unauthenticated" : "auth-unavailable");
  return result;
}

beforeAll(async () => {
  server = await listen((req, res) => {
    if (req.url !== "/jwks") {
      res.writeHead(404).end();
      return;
    }
    jwks.fetches++;
    if (jwks.mode === "hang") return; // never answers
    if (jwks.mode === "error") res.writeHead(500).end("oops");
    else if (jwks.mode === "garbage")
      res.writeHead(200, { "content-type": "application/json" }).end("<html>");
    else if (jwks.mode === "huge")
      res.writeHead(200).end(JSON.stringify({ keys: [RSA1], pad: "x".repeat(2 ** 21) }));
    else if (jwks.mode === "not-a-set")
      res.writeHead(200, { "content-type": "application/json" }).end("[1,2]");
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: jwks.keys }));
  });
  stopped = await listen((_req, res) => res.writeHead(200).end(JSON.stringify({ keys: [RSA1] })));
});

beforeEach(() => {
  jwks.keys = [RSA1, EC1];
  jwks.mode = "ok";
  jwks.fetches = 0;
});

afterEach(() => {
  for (const auth of open.splice(0)) auth.close();
});

afterAll(async () => {
  await server.close();
  await stopped.close();
});

describe("jwks credentials: valid tokens", () => {
  it("verifies RS256 and ES256 tokens, caches them, and answers repeats synchronously", async () => {
    const auth = make();
    const token = await sign(rsa1.privateKey);
    const first = auth.authenticate(bearer(token));
    expect(first).toBeInstanceOf(Promise);
    const result = await first;
    if (!result.ok) throw new Error(result.reason);
    expect(result).toMatchObject({ credential: "users", stripHeaders: ["authorization"], stripQuery: [] });
    expect(result.claims).toMatchObject({ sub: "user-1", iss: ISSUER, aud: "api" });
    expect(Object.isFrozen(result.claims)).toBe(true);
    const repeat = auth.authenticate(bearer(token));
    expect(repeat instanceof Promise).toBe(false);
    expect(repeat).toBe(result);

    const ec = await auth.authenticate(bearer(await sign(ec1.privateKey, { kid: "ec-1", alg: "ES256" })));
    expect(ec).toMatchObject({ ok: true, credential: "users" });
    expect(jwks.fetches).toBe(1);
  });

  it("answers a cached token from its digest, without decoding it again", async () => {
    const auth = make();
    const token = await sign(rsa1.privateKey);
    const verified = await auth.authenticate(bearer(token));
    expect(verified).toMatchObject({ ok: true, credential: "users" });
    const parse = vi.spyOn(JSON, "parse");
    try {
      for (let n = 0; n < 3; n++) expect(auth.authenticate(bearer(token))).toBe(verified);
      expect(parse).not.toHaveBeenCalled();
      // The spy does see a decode: a token nobody verified is decoded to find its issuer.
      failure(
        (await auth.authenticate(
          bearer(await sign(rsa1.privateKey, { iss: "https://x.test/" })),
        )) as AuthResult,
      );
      expect(parse).toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it("verifies HS256 tokens against the shared secret without any fetch", async () => {
    const auth = make();
    const key = new TextEncoder().encode(HS_SECRET);
    const token = await sign(key, { iss: HS_ISSUER, aud: ["internal", "x"], alg: "HS256", kid: "hs" });
    expect(await auth.authenticate(bearer(token))).toMatchObject({ ok: true, credential: "internal" });
    const forged = await sign(new TextEncoder().encode("guessed"), {
      iss: HS_ISSUER,
      aud: "internal",
      alg: "HS256",
    });
    failure(await auth.authenticate(bearer(forged)));
    expect(jwks.fetches).toBe(0);
  });

  it("picks the credential by issuer", async () => {
    const auth = make();
    const token = await sign(rsa1.privateKey, { iss: TOLERANT, aud: "partner-api" });
    expect(await auth.authenticate(bearer(token))).toMatchObject({ ok: true, credential: "partners" });
  });
});

describe("jwks credentials: refusals", () => {
  it("refuses expired tokens, a wrong audience and an unconfigured issuer", async () => {
    const auth = make();
    const expired = failure(
      await auth.authenticate(bearer(await sign(rsa1.privateKey, { exp: nowSec() - 1 }))),
    );
    expect(expired.reason).toContain("ERR_JWT_EXPIRED");
    expect(expired.challenge).toContain('error="invalid_token"');
    failure(await auth.authenticate(bearer(await sign(rsa1.privateKey, { aud: "someone-else" }))));
    // An issuer no credential names is never verified (and never fetches keys).
    const before = jwks.fetches;
    const stranger = auth.authenticate(bearer(await sign(rsa1.privateKey, { iss: "https://evil.test/" })));
    expect(stranger instanceof Promise).toBe(false);
    failure(stranger as AuthResult);
    expect(jwks.fetches).toBe(before);
  });

  it("applies the clock tolerance exactly at its edge", async () => {
    const auth = make();
    const partner = (exp: number) => sign(rsa1.privateKey, { iss: TOLERANT, exp });
    expect(await auth.authenticate(bearer(await partner(nowSec() - 29)))).toMatchObject({ ok: true });
    failure(await auth.authenticate(bearer(await partner(nowSec() - 30))));
    failure(await auth.authenticate(bearer(await sign(rsa1.privateKey, { exp: nowSec() }))));
  });

  it("drops a cached token once it expires", async () => {
    const auth = make();
    const token = await sign(rsa1.privateKey, { exp: nowSec() + 60 });
    expect(await auth.authenticate(bearer(token))).toMatchObject({ ok: true });
    clock += 61_000;
    try {
      const later = auth.authenticate(bearer(token));
      expect(later).toBeInstanceOf(Promise);
      failure(await later);
    } finally {
      clock -= 61_000;
    }
  });

  it("serves a cached token until exp plus the clock tolerance, and not at that instant", async () => {
    const auth = make();
    const token = await sign(rsa1.privateKey, { iss: TOLERANT, exp: nowSec() + 60 });
    const verified = await auth.authenticate(bearer(token));
    expect(verified).toMatchObject({ ok: true, credential: "partners" });
    const start = clock;
    try {
      clock = start + 89_000; // exp + 29 s
      expect(auth.authenticate(bearer(token))).toBe(verified);
      clock = start + 90_000; // exp + 30 s: jose would refuse it, so the cache must not answer
      const later = auth.authenticate(bearer(token));
      expect(later).toBeInstanceOf(Promise);
      expect(failure(await later).reason).toContain("ERR_JWT_EXPIRED");
    } finally {
      clock = start;
    }
  });

  it("refuses alg none", async () => {
    const auth = make();
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const payload = { sub: "admin", iss: ISSUER, aud: "api", exp: nowSec() + 600 };
    for (const alg of ["none", "None", "NONE"]) {
      const token = `${b64({ alg, typ: "JWT" })}.${b64(payload)}.`;
      expect(failure(await auth.authenticate(bearer(token))).reason).toContain("ERR_JOSE_ALG_NOT_ALLOWED");
    }
  });

  it("refuses an HS256 token keyed with the RSA public key (algorithm confusion)", async () => {
    const auth = make();
    for (const secret of [await exportSPKI(rsa1.publicKey), JSON.stringify(RSA1), RSA1.n as string]) {
      const token = await sign(new TextEncoder().encode(secret), { alg: "HS256", kid: "rsa-1" });
      expect(failure(await auth.authenticate(bearer(token))).reason).toContain("ERR_JOSE_ALG_NOT_ALLOWED");
    }
    // And the reverse: an RS256 token for the HS credential.
    failure(
      await auth.authenticate(bearer(await sign(rsa1.privateKey, { iss: HS_ISSUER, aud: "internal" }))),
    );
  });

  it("refuses a signature made by another key under a known kid", async () => {
    const auth = make();
    const token = await sign(rsa2.privateKey, { kid: "rsa-1" });
    expect(failure(await auth.authenticate(bearer(token))).reason).toContain("SIGNATURE");
  });

  it("refuses a token two credentials of one issuer would both accept", async () => {
    const uri = server.url + "/jwks";
    const both = new Authenticator(
      [
        {
          id: "a",
          auth: { type: "jwks", jwksUri: uri, issuer: ISSUER, audience: "api", algorithms: ["RS256"] },
        },
        {
          id: "b",
          auth: { type: "jwks", jwksUri: uri, issuer: ISSUER, audience: ["api"], algorithms: ["RS256"] },
        },
      ],
      { resolveSecret: secrets({}), now: () => clock },
    );
    open.push(both);
    const result = failure(await both.authenticate(bearer(await sign(rsa1.privateKey))));
    expect(result.challenge).toContain('error="invalid_request"');
  });
});

describe("jwks key source", () => {
  it("follows a key rotation: new kid refetched, old key refused once it is gone", async () => {
    const auth = make(undefined, { jwksCooldownMs: 100 });
    jwks.keys = [RSA1];
    const old = await sign(rsa1.privateKey);
    expect(await auth.authenticate(bearer(old))).toMatchObject({ ok: true });
    expect(auth.authenticate(bearer(old))).toMatchObject({ ok: true }); // cached, sync

    jwks.keys = [RSA2];
    await sleep(150); // past the cooldown since the last fetch
    const fresh = await sign(rsa2.privateKey, { kid: "rsa-2" });
    expect(await auth.authenticate(bearer(fresh))).toMatchObject({ ok: true, credential: "users" });
    expect(jwks.fetches).toBe(2);

    // The cached result of the old token is dropped because the key set changed.
    const again = auth.authenticate(bearer(old));
    expect(again).toBeInstanceOf(Promise);
    expect(failure(await again).reason).toContain("ERR_JWKS_NO_MATCHING_KEY");
    failure(await auth.authenticate(bearer(await sign(rsa1.privateKey))));
  });

  it("bounds the fetches a flood of unknown kids causes", async () => {
    const auth = make(); // default 30 s cooldown
    await auth.warm();
    expect(jwks.fetches).toBe(1);
    const tokens = await Promise.all(
      Array.from({ length: 200 }, () => sign(rsa1.privateKey, { kid: `made-up-${randomUUID()}` })),
    );
    const results = await Promise.all(tokens.map((token) => auth.authenticate(bearer(token))));
    for (const result of results) expect(failure(result).reason).toContain("ERR_JWKS_NO_MATCHING_KEY");
    for (const token of tokens.slice(0, 20)) failure(await auth.authenticate(bearer(token)));
    expect(jwks.fetches).toBeLessThanOrEqual(2);
  });

  it("bounds refetches by the cooldown even when it is short", async () => {
    const auth = make(undefined, { jwksCooldownMs: 100 });
    const started = Date.now();
    while (Date.now() - started < 350) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => sign(rsa1.privateKey, { kid: randomUUID() })),
      );
      await Promise.all(batch.map((token) => auth.authenticate(bearer(token))));
    }
    // One initial fetch plus at most one per elapsed cooldown.
    expect(jwks.fetches).toBeGreaterThanOrEqual(1);
    expect(jwks.fetches).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - started) / 100));
  });

  it("warm() fetches ahead so the first request does not, and rejects when a source is down", async () => {
    const auth = make();
    await auth.warm();
    expect(jwks.fetches).toBe(1);
    expect(await auth.authenticate(bearer(await sign(rsa1.privateKey)))).toMatchObject({ ok: true });
    expect(jwks.fetches).toBe(1);
    await expect(make(await deadUrl("/jwks")).warm()).rejects.toThrow(/JWKS unavailable/);
  });

  it("fails closed with 503 when the key server is unreachable", async () => {
    const auth = make(await deadUrl("/jwks"));
    const token = await sign(rsa1.privateKey);
    const result = failure(await auth.authenticate(bearer(token)), 503);
    expect(result.challenge).toContain("Bearer");
    expect(result.reason).toBe("jwks users: JWKS unreachable");
  });

  for (const mode of ["error", "garbage", "not-a-set", "huge", "hang"] as const) {
    it(`fails closed with 503 when the key server answers ${mode}`, async () => {
      jwks.mode = mode;
      const auth = make(undefined, { fetchTimeoutMs: 200 });
      failure(await auth.authenticate(bearer(await sign(rsa1.privateKey))), 503);
    });
  }

  it("fails closed with 503 when the key server stops and the key set goes stale", async () => {
    const auth = make(stopped.url + "/jwks", { jwksCacheMaxAgeMs: 100 });
    expect(await auth.authenticate(bearer(await sign(rsa1.privateKey)))).toMatchObject({ ok: true });
    await stopped.close();
    await sleep(150);
    failure(await auth.authenticate(bearer(await sign(rsa1.privateKey))), 503);
  });
});

describe("jwks configuration", () => {
  it("refuses credentials whose algorithms do not suit their key", () => {
    const build = (auth: ProxyCredential["auth"]) =>
      new Authenticator([{ id: "x", auth }], { resolveSecret: secrets({ S: "s" }) });
    const base = { type: "jwks", issuer: ISSUER, audience: "api" } as const;
    expect(() => build({ ...base, jwksUri: "http://127.0.0.1:1/jwks", algorithms: ["HS256"] })).toThrow(
      /algorithm/,
    );
    expect(() => build({ ...base, secret: { env: "S" }, algorithms: ["RS256"] })).toThrow(/algorithm/);
    expect(() => build({ ...base, algorithms: ["RS256"] })).toThrow(/exactly one/);
  });
});
