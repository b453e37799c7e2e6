import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import { Authenticator, type AuthResult, sha256Digest } from "../../runtime/authenticate/index.ts";
import { request, secrets } from "./support.ts";

const KEY_A = "ak_live_0123456789";
const KEY_A_NEXT = "ak_live_rotated_9876";
const KEY_PARTNER = "partner-key-42";
const TOKEN = "opaque-bearer-token-abc";
const CUSTOM_TOKEN = "custom-prefix-token-xyz";
const FIXED_JWT = await new SignJWT({ sub: "robot@example.com", role: "ci" })
  .setProtectedHeader({ alg: "HS256" })
  .setIssuedAt(1_700_000_000)
  .sign(new TextEncoder().encode("not-checked-the-digest-is-the-identity"));

const d = (value: string) => sha256Digest(value) as `sha256:${string}`;

const credentials: ProxyCredential[] = [
  { id: "app", auth: { type: "apiKey", keys: [d(KEY_A), d(KEY_A_NEXT)], query: "api_key" } },
  { id: "partner", auth: { type: "apiKey", keys: [d(KEY_PARTNER)], header: "X-Partner-Key" } },
  { id: "service", auth: { type: "bearer", tokens: [d(TOKEN)] } },
  { id: "legacy", auth: { type: "bearer", tokens: [d(CUSTOM_TOKEN)], prefix: "Token" } },
  { id: "robot", auth: { type: "jwt", tokens: [d(FIXED_JWT)] } },
];
const auth = new Authenticator(credentials, { resolveSecret: secrets({}) });

function sync(result: AuthResult | Promise<AuthResult>): AuthResult {
  expect(result).not.toBeInstanceOf(Promise);
  return result as AuthResult;
}

function rejected(result: AuthResult | Promise<AuthResult>) {
  const r = sync(result);
  if (r.ok) throw new Error(`expected a failure, got ${r.credential}`);
  expect(r.status).toBe(401);
  expect(r.code).toBe("unauthenticated");
  return r;
}

describe("api keys", () => {
  it("accepts a key in its header and strips that header", () => {
    expect(sync(auth.authenticate(request({ "x-api-key": KEY_A })))).toEqual({
      ok: true,
      credential: "app",
      claims: null,
      stripHeaders: ["x-api-key"],
      stripQuery: [],
    });
  });

  it("accepts a key in its query parameter and strips that parameter", () => {
    const r = sync(auth.authenticate(request({}, { api_key: [KEY_A] })));
    expect(r).toMatchObject({ ok: true, credential: "app", stripHeaders: [], stripQuery: ["api_key"] });
  });

  it("accepts every digest of a credential (rotation)", () => {
    expect(sync(auth.authenticate(request({ "x-api-key": KEY_A_NEXT })))).toMatchObject({
      credential: "app",
    });
  });

  it("reads a configured header name in lower case", () => {
    const r = sync(auth.authenticate(request({ "x-partner-key": KEY_PARTNER })));
    expect(r).toMatchObject({ ok: true, credential: "partner", stripHeaders: ["x-partner-key"] });
  });

  it("does not accept a key in another credential's header or in a query it does not name", () => {
    rejected(auth.authenticate(request({ "x-api-key": KEY_PARTNER })));
    rejected(auth.authenticate(request({}, { "X-Partner-Key": [KEY_PARTNER] })));
  });

  it("refuses a key presented twice, or in header and query at once", () => {
    const both = rejected(auth.authenticate(request({ "x-api-key": KEY_A }, { api_key: [KEY_A] })));
    expect(both.challenge).toContain('error="invalid_request"');
    rejected(auth.authenticate(request({ "x-api-key": [KEY_A, KEY_A] })));
    rejected(auth.authenticate(request({}, { api_key: [KEY_A, KEY_A_NEXT] })));
    rejected(auth.authenticate(request({ "x-api-key": KEY_A, "x-partner-key": KEY_PARTNER })));
  });

  it("refuses an api key together with an Authorization header", () => {
    const r = rejected(auth.authenticate(request({ "x-api-key": KEY_A, authorization: `Bearer ${TOKEN}` })));
    expect(r.reason).toContain("both");
    rejected(auth.authenticate(request({ "x-api-key": KEY_A, authorization: "Bearer unknown" })));
  });

  it("refuses an unknown key without echoing it", () => {
    const r = rejected(auth.authenticate(request({ "x-api-key": "ak_live_guess" })));
    expect(r.reason).not.toContain("ak_live_guess");
    expect(r.challenge).toContain('error="invalid_token"');
  });
});

describe("bearer tokens", () => {
  it("accepts the default Bearer prefix in any case", () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const r = sync(auth.authenticate(request({ authorization: `${scheme} ${TOKEN}` })));
      expect(r).toEqual({
        ok: true,
        credential: "service",
        claims: null,
        stripHeaders: ["authorization"],
        stripQuery: [],
      });
    }
  });

  it("accepts a custom prefix, and only that prefix", () => {
    expect(sync(auth.authenticate(request({ authorization: `token ${CUSTOM_TOKEN}` })))).toMatchObject({
      credential: "legacy",
    });
    rejected(auth.authenticate(request({ authorization: `Bearer ${CUSTOM_TOKEN}` })));
    rejected(auth.authenticate(request({ authorization: `Token ${TOKEN}` })));
  });

  it("does not accept a bearer token as an api key", () => {
    rejected(auth.authenticate(request({ "x-api-key": TOKEN })));
  });

  it("refuses malformed and repeated Authorization headers", () => {
    rejected(auth.authenticate(request({ authorization: "Bearer" })));
    rejected(auth.authenticate(request({ authorization: `Bearer ${TOKEN} extra` })));
    rejected(auth.authenticate(request({ authorization: `Be\u212Arer ${TOKEN}` })));
    rejected(auth.authenticate(request({ authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] })));
  });
});

describe("fixed JWTs", () => {
  it("authenticates by digest and exposes the decoded payload as claims", () => {
    const r = sync(auth.authenticate(request({ authorization: `Bearer ${FIXED_JWT}` })));
    if (!r.ok) throw new Error(r.reason);
    expect(r.credential).toBe("robot");
    expect(r.claims).toEqual({ sub: "robot@example.com", role: "ci", iat: 1_700_000_000 });
    expect(Object.isFrozen(r.claims)).toBe(true);
    expect(r.stripHeaders).toEqual(["authorization"]);
  });

  it("refuses a JWT that is not listed, even with the same claims", async () => {
    const other = await new SignJWT({ sub: "robot@example.com", role: "ci" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(1_700_000_000)
      .sign(new TextEncoder().encode("another-secret"));
    rejected(auth.authenticate(request({ authorization: `Bearer ${other}` })));
  });
});

describe("nothing presented, challenges, ambiguity in the policy", () => {
  it("answers 401 with one challenge per scheme and no error code", () => {
    const r = rejected(auth.authenticate(request({ accept: "application/json" }, { page: ["2"] })));
    expect(r.challenge).toBe('Bearer realm="rrc", Token realm="rrc", ApiKey realm="rrc"');
    expect(r.reason).toBe("no credential presented");
  });

  it("reads a hand-written upper-case digest, and matches nothing with a malformed one", () => {
    const digest = d(KEY_A);
    const written = new Authenticator(
      [
        { id: "upper", auth: { type: "apiKey", keys: [digest.toUpperCase() as `sha256:${string}`] } },
        // One hex digit short: a prefix of the key's digest must not match it.
        { id: "short", auth: { type: "apiKey", keys: [d(KEY_PARTNER).slice(0, -1) as `sha256:${string}`] } },
      ],
      { resolveSecret: secrets({}) },
    );
    expect(sync(written.authenticate(request({ "x-api-key": KEY_A })))).toMatchObject({
      credential: "upper",
    });
    rejected(written.authenticate(request({ "x-api-key": KEY_PARTNER })));
    written.close();
  });

  it("refuses a digest listed by two credentials", () => {
    const shared = new Authenticator(
      [
        { id: "one", auth: { type: "apiKey", keys: [d(KEY_A)] } },
        { id: "two", auth: { type: "apiKey", keys: [d(KEY_A)] } },
      ],
      { resolveSecret: secrets({}) },
    );
    rejected(shared.authenticate(request({ "x-api-key": KEY_A })));
    shared.close();
  });

  it("leaves Authorization alone when no credential reads it", () => {
    const keysOnly = new Authenticator([credentials[0]!], { resolveSecret: secrets({}) });
    const r = sync(keysOnly.authenticate(request({ "x-api-key": KEY_A, authorization: "Bearer upstream" })));
    expect(r).toMatchObject({ ok: true, credential: "app", stripHeaders: ["x-api-key"] });
    rejected(keysOnly.authenticate(request({ authorization: "Bearer upstream" })));
    keysOnly.close();
  });

  it("never reads inherited properties as headers", () => {
    rejected(auth.authenticate(request(JSON.parse('{"__proto__": {"x-api-key": "ak_live_0123456789"}}'))));
  });
});

describe("scale", () => {
  it("builds 10,000 api-key credentials and resolves each by one look-up", () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}-${"x".repeat(16)}`);
    const many = new Authenticator(
      keys.map((key, i) => ({ id: `cred-${i}`, auth: { type: "apiKey", keys: [d(key)] } })),
      { resolveSecret: secrets({}) },
    );
    for (const i of [0, 1, 4_999, 9_998, 9_999]) {
      expect(sync(many.authenticate(request({ "x-api-key": keys[i]! })))).toMatchObject({
        credential: `cred-${i}`,
      });
    }
    rejected(many.authenticate(request({ "x-api-key": "key-10000-xxxxxxxxxxxxxxxx" })));
    many.close();
  });
});
