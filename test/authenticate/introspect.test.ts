import { type CryptoKey, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import {
  Authenticator,
  type AuthenticatorOptions,
  type AuthResult,
} from "../../runtime/authenticate/index.ts";
import { deadUrl, listen, readBody, request, secrets, type TestServer } from "./support.ts";

// Two authorization servers, each knowing its own client and tokens (RFC 7662).
const CLIENT_A = { id: "gw:client", secret: "s3cret/+=&" };
const CLIENT_B = { id: "gw-b", secret: "other-secret" };
let clock = Math.floor(Date.now() / 1000) * 1000;
const nowSec = () => Math.floor(clock / 1000);

const as = {
  mode: "ok" as "ok" | "error" | "garbage" | "no-active" | "huge" | "hang",
  calls: { a: 0, b: 0 },
  bodies: [] as URLSearchParams[],
  contentTypes: [] as (string | undefined)[],
};
let server: TestServer;
let stopping: TestServer;
const open: Authenticator[] = [];

// RFC 6749 §2.3.1: Basic over the form-urlencoded client id and secret.
function clientOf(header: string | undefined): { id: string; secret: string } | null {
  const match = /^Basic (.+)$/.exec(header ?? "");
  if (!match) return null;
  const text = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = text.indexOf(":");
  const decode = (s: string) => decodeURIComponent(s.replaceAll("+", " "));
  return { id: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
}

function tokensOf(server: "a" | "b"): Record<string, object> {
  if (server === "b") return { "token-for-b": { active: true, sub: "svc-b", exp: nowSec() + 300 } };
  return {
    "active-token": {
      active: true,
      sub: "alice",
      scope: "read write",
      client_id: "app",
      exp: nowSec() + 120,
    },
    "no-exp-token": { active: true, sub: "bob" },
  };
}

const credentials = (url: string): ProxyCredential[] => [
  {
    id: "oauth-a",
    auth: { type: "oauth2", introspectionUrl: `${url}/a`, clientId: CLIENT_A.id, clientSecret: { env: "A" } },
  },
  {
    id: "oauth-b",
    auth: { type: "oauth2", introspectionUrl: `${url}/b`, clientId: CLIENT_B.id, clientSecret: { env: "B" } },
  },
];

function make(list = credentials(server.url), options: Partial<AuthenticatorOptions> = {}): Authenticator {
  const auth = new Authenticator(list, {
    resolveSecret: secrets({ A: CLIENT_A.secret, B: CLIENT_B.secret, WRONG: "nope" }),
    now: () => clock,
    fetchTimeoutMs: 300,
    ...options,
  });
  open.push(auth);
  return auth;
}

const bearer = (token: string) => request({ authorization: `Bearer ${token}` });

function failure(result: AuthResult, status: 401 | 503 = 401) {
  if (result.ok) throw new Error(`expected a failure, got ${result.credential}`);
  expect(result.status).toBe(status);
  return result;
}

beforeAll(async () => {
  server = await listen(async (req, res) => {
    const which = req.url === "/a" ? "a" : req.url === "/b" ? "b" : null;
    if (req.method !== "POST" || which === null) return void res.writeHead(404).end();
    as.calls[which]++;
    const body = new URLSearchParams(await readBody(req));
    as.bodies.push(body);
    as.contentTypes.push(req.headers["content-type"]);
    const expected = which === "a" ? CLIENT_A : CLIENT_B;
    const client = clientOf(req.headers.authorization);
    if (client?.id !== expected.id || client.secret !== expected.secret) {
      return void res.writeHead(401, { "www-authenticate": "Basic" }).end();
    }
    if (as.mode === "hang") return;
    if (as.mode === "error") return void res.writeHead(502).end("bad gateway");
    if (as.mode === "garbage") return void res.writeHead(200).end("active=true");
    if (as.mode === "no-active") return void res.writeHead(200).end('{"sub":"x"}');
    if (as.mode === "huge")
      return void res.writeHead(200).end(`{"active":true,"pad":"${"x".repeat(2 ** 21)}"}`);
    const answer = tokensOf(which)[body.get("token") ?? ""] ?? { active: false };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  stopping = await listen((_req, res) => res.writeHead(200).end('{"active":true,"sub":"s"}'));
});

beforeEach(() => {
  as.mode = "ok";
  as.calls = { a: 0, b: 0 };
  as.bodies = [];
  as.contentTypes = [];
});

afterEach(() => {
  for (const auth of open.splice(0)) auth.close();
});

afterAll(async () => {
  await server.close();
  await stopping.close();
});

describe("oauth2 introspection", () => {
  it("posts the token with client Basic auth and returns the response as claims", async () => {
    const auth = make();
    const pending = auth.authenticate(bearer("active-token"));
    expect(pending).toBeInstanceOf(Promise);
    const result = await pending;
    if (!result.ok) throw new Error(result.reason);
    expect(result).toMatchObject({ credential: "oauth-a", stripHeaders: ["authorization"], stripQuery: [] });
    expect(result.claims).toEqual({
      active: true,
      sub: "alice",
      scope: "read write",
      client_id: "app",
      exp: nowSec() + 120,
    });
    expect(Object.isFrozen(result.claims)).toBe(true);
    expect(as.bodies[0]?.get("token")).toBe("active-token");
    expect(as.bodies[0]?.get("token_type_hint")).toBe("access_token");
    expect(as.contentTypes[0]).toBe("application/x-www-form-urlencoded");
  });

  it("caches an active answer until exp, then asks again", async () => {
    const auth = make();
    await auth.authenticate(bearer("active-token"));
    const repeat = auth.authenticate(bearer("active-token"));
    expect(repeat instanceof Promise).toBe(false);
    expect(repeat).toMatchObject({ ok: true, credential: "oauth-a" });
    expect(as.calls.a).toBe(1);
    clock += 121_000;
    try {
      const later = auth.authenticate(bearer("active-token"));
      expect(later).toBeInstanceOf(Promise);
      await later;
      expect(as.calls.a).toBe(2);
    } finally {
      clock -= 121_000;
    }
  });

  it("caches an active answer without exp for 60 s", async () => {
    const auth = make();
    await auth.authenticate(bearer("no-exp-token"));
    clock += 59_000;
    expect(auth.authenticate(bearer("no-exp-token"))).toMatchObject({ ok: true });
    clock += 2_000;
    try {
      const later = auth.authenticate(bearer("no-exp-token"));
      expect(later).toBeInstanceOf(Promise);
      expect(await later).toMatchObject({ ok: true });
      expect(as.calls.a).toBe(2);
    } finally {
      clock -= 61_000;
    }
  });

  it("refuses an inactive token, caching the refusal briefly", async () => {
    const auth = make();
    const first = failure(await auth.authenticate(bearer("revoked-token")));
    expect(first.reason).toBe("oauth2: token inactive");
    expect(first.challenge).toBe('Bearer realm="rrc", error="invalid_token"');
    expect(as.calls).toEqual({ a: 1, b: 1 });
    const repeat = auth.authenticate(bearer("revoked-token"));
    expect(repeat instanceof Promise).toBe(false);
    failure(repeat as AuthResult);
    expect(as.calls).toEqual({ a: 1, b: 1 });
    clock += 6_000;
    try {
      failure(await auth.authenticate(bearer("revoked-token")));
      expect(as.calls).toEqual({ a: 2, b: 2 });
    } finally {
      clock -= 6_000;
    }
  });

  it("tries credentials in declaration order; the first active wins", async () => {
    const auth = make();
    expect(await auth.authenticate(bearer("token-for-b"))).toMatchObject({ ok: true, credential: "oauth-b" });
    expect(as.calls).toEqual({ a: 1, b: 1 });
    expect(await auth.authenticate(bearer("active-token"))).toMatchObject({ credential: "oauth-a" });
    expect(as.calls).toEqual({ a: 2, b: 1 });
  });

  it("shares one introspection between concurrent requests for a token", async () => {
    const auth = make();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => auth.authenticate(bearer("active-token"))),
    );
    for (const result of results) expect(result).toMatchObject({ ok: true });
    expect(as.calls.a).toBe(1);
  });
});

describe("oauth2 introspection fails closed", () => {
  for (const mode of ["error", "garbage", "no-active", "huge", "hang"] as const) {
    it(`answers 503 when the endpoint answers ${mode}`, async () => {
      as.mode = mode;
      const auth = make();
      const result = failure(await auth.authenticate(bearer("active-token")), 503);
      expect(result.code).toBe("auth-unavailable");
      expect(result.reason).not.toContain("active-token");
      // Not cached: the next request asks again.
      const again = auth.authenticate(bearer("active-token"));
      expect(again).toBeInstanceOf(Promise);
      failure(await again, 503);
    });
  }

  it("answers 503 when the client secret is refused", async () => {
    const list = credentials(server.url).slice(0, 1);
    const auth = make([
      {
        ...list[0]!,
        auth: { ...(list[0]!.auth as object), clientSecret: { env: "WRONG" } },
      } as ProxyCredential,
    ]);
    expect(failure(await auth.authenticate(bearer("active-token")), 503).reason).toBe(
      "oauth2 oauth-a: status 401",
    );
  });

  it("answers 503 when the endpoint is unreachable or has stopped", async () => {
    const dead = make([
      {
        id: "gone",
        auth: {
          type: "oauth2",
          introspectionUrl: await deadUrl("/x"),
          clientId: "c",
          clientSecret: { env: "A" },
        },
      },
    ]);
    failure(await dead.authenticate(bearer("anything")), 503);

    const auth = make([
      {
        id: "s",
        auth: {
          type: "oauth2",
          introspectionUrl: stopping.url + "/",
          clientId: "c",
          clientSecret: { env: "A" },
        },
      },
    ]);
    expect(await auth.authenticate(bearer("first"))).toMatchObject({ ok: true, credential: "s" });
    await stopping.close();
    failure(await auth.authenticate(bearer("second")), 503);
    expect(auth.authenticate(bearer("first"))).toMatchObject({ ok: true }); // still cached
  });

  it("does not stop at a later endpoint when an earlier one is down", async () => {
    const list = credentials(server.url);
    const auth = make([
      {
        ...list[0]!,
        auth: { ...(list[0]!.auth as object), introspectionUrl: await deadUrl("/a") },
      } as ProxyCredential,
      list[1]!,
    ]);
    failure(await auth.authenticate(bearer("token-for-b")), 503);
    expect(as.calls.b).toBe(0);
  });
});

describe("jwks and introspection together", () => {
  /** An HS256 jwks credential for https://known.test/ beside the two introspection credentials. */
  const jwksAndIntrospection = () =>
    make([
      {
        id: "hs",
        auth: {
          type: "jwks",
          secret: { env: "A" },
          issuer: "https://known.test/",
          audience: "api",
          algorithms: ["HS256"],
        },
      },
      ...credentials(server.url),
    ]);

  it("verifies a JWT of a configured issuer without introspecting it, and introspects the rest", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const jwt = (iss: string) =>
      new SignJWT({ sub: "x" })
        .setProtectedHeader({ alg: "ES256", kid: "k" })
        .setIssuer(iss)
        .setAudience("api")
        .sign(privateKey);
    const auth = jwksAndIntrospection();
    failure(await auth.authenticate(bearer(await jwt("https://known.test/"))));
    expect(as.calls).toEqual({ a: 0, b: 0 });
    failure(await auth.authenticate(bearer(await jwt("https://other.test/"))));
    expect(as.calls).toEqual({ a: 1, b: 1 });
    expect(await auth.authenticate(bearer("active-token"))).toMatchObject({
      ok: true,
      credential: "oauth-a",
    });
  });

  it("keeps each token on its route when answers are cached: a JWT of another issuer stays introspected", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const hsKey = new TextEncoder().encode(CLIENT_A.secret);
    const jwt = (iss: string, key: CryptoKey | Uint8Array, alg: string) =>
      new SignJWT({ sub: "x" })
        .setProtectedHeader({ alg })
        .setIssuer(iss)
        .setAudience("api")
        .setExpirationTime(nowSec() + 600)
        .sign(key);
    const auth = jwksAndIntrospection();
    const known = await jwt("https://known.test/", hsKey, "HS256");
    const forged = await jwt("https://known.test/", privateKey, "ES256");
    const other = await jwt("https://other.test/", hsKey, "HS256");
    const verified = await auth.authenticate(bearer(known));
    expect(verified).toMatchObject({ ok: true, credential: "hs" });
    failure(await auth.authenticate(bearer(other))); // inactive at both endpoints, cached 5 s
    expect(as.calls).toEqual({ a: 1, b: 1 });
    const active = await auth.authenticate(bearer("active-token"));
    expect(active).toMatchObject({ ok: true, credential: "oauth-a" });
    expect(as.calls).toEqual({ a: 2, b: 1 });

    const parse = vi.spyOn(JSON, "parse");
    try {
      // Cached answers, each from its own route, synchronously and without decoding the token.
      expect(auth.authenticate(bearer(known))).toBe(verified);
      expect(auth.authenticate(bearer("active-token"))).toBe(active);
      const again = auth.authenticate(bearer(other));
      expect(again).not.toBeInstanceOf(Promise);
      failure(again as AuthResult);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(as.calls).toEqual({ a: 2, b: 1 });
    // A refused JWT of a jwks issuer is never cached, and never introspected either.
    failure(await auth.authenticate(bearer(forged)));
    failure(await auth.authenticate(bearer(forged)));
    expect(as.calls).toEqual({ a: 2, b: 1 });
    // Once the inactive answer lapses, the other issuer's JWT is introspected again.
    clock += 5_000;
    try {
      failure(await auth.authenticate(bearer(other)));
      expect(as.calls).toEqual({ a: 3, b: 2 });
    } finally {
      clock -= 5_000;
    }
  });
});
