// Authentication end to end (SPEC §3): `rrc serve` in front of a recording upstream with
// a real JWKS server (key rotation, outage), a real introspection endpoint and a real
// OAuth2 token endpoint for the upstream credential.
import { rmSync } from "node:fs";
import { SignJWT } from "jose";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { hashPassword } from "../../runtime/authenticate/index.ts";
import {
  type JwksServer,
  startIntrospectionServer,
  startJwksServer,
  startTokenServer,
} from "../support/auth-servers.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { digest } from "./policy.ts";

const ISSUER = "https://issuer.test";
const AUDIENCE = "rrc-tests";
const dir = workspace("auth");
const introspected = new Map<string, Record<string, unknown>>([
  ["opaque-good", { sub: "user@email.com", scope: "read", exp: Math.floor(Date.now() / 1000) + 600 }],
  ["opaque-other", { sub: "someone@else.com", exp: Math.floor(Date.now() / 1000) + 600 }],
]);

let upstream: RecordingUpstream;
let jwks: JwksServer;
let introspection: Awaited<ReturnType<typeof startIntrospectionServer>>;
let tokens: Awaited<ReturnType<typeof startTokenServer>>;
let gateway: ServeProcess;
let fixedJwt: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  jwks = await startJwksServer(ISSUER, AUDIENCE);
  introspection = await startIntrospectionServer("rrc-gateway", "introspection-secret", introspected);
  tokens = await startTokenServer("rrc-upstream", "upstream-client-secret");
  fixedJwt = await new SignJWT({ sub: "user@email.com", role: "batch" })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode("not-verified-identity-is-the-digest"));
  const policy: PolicyDocument = {
    targets: [{ id: "api", url: upstream.url }],
    targetCredentials: [
      {
        id: "api-oauth",
        target: "api",
        auth: {
          type: "oauth2",
          tokenUrl: `${tokens.url}/token`,
          clientId: "rrc-upstream",
          clientSecret: { env: "RRC_TEST_CLIENT_SECRET" },
          scopes: ["read"],
        },
      },
    ],
    proxyCredentials: [
      {
        id: "static-bearer",
        auth: { type: "bearer", tokens: [digest("static-bearer-token")], prefix: "Token" },
      },
      {
        id: "alice",
        auth: {
          type: "basic",
          username: "alice",
          passwordHash: (await hashPassword("wonderland")) as `scrypt:${string}`,
        },
      },
      { id: "batch-jwt", auth: { type: "jwt", tokens: [digest(fixedJwt)] } },
      {
        id: "sso",
        auth: {
          type: "jwks",
          jwksUri: jwks.jwksUri,
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ["RS256"],
          clockTolerance: 5,
        },
      },
      {
        id: "opaque",
        auth: {
          type: "oauth2",
          introspectionUrl: `${introspection.url}/introspect`,
          clientId: "rrc-gateway",
          clientSecret: { env: "RRC_TEST_INTROSPECTION_SECRET" },
        },
      },
    ],
    proxies: [
      {
        id: "main",
        target: "api",
        targetCredential: "api-oauth",
        credentials: ["static-bearer", "alice", "batch-jwt", "sso", "opaque"],
        default: "deny",
        rules: [
          { id: "anyone-reads", effect: "allow", methods: ["GET"], path: "^/echo$" },
          {
            id: "only-user",
            effect: "allow",
            methods: ["GET"],
            path: "^/echo/me$",
            token: [{ claim: "sub", value: "^user@email\\.com$" }],
          },
        ],
      },
    ],
  };
  const bundle = await buildPolicy(policy, dir);
  const started = await spawnServe(
    ["--bundle", bundle, "--admin-port", "off", "--log", "none", "--jwks-cooldown", "200"],
    {
      RRC_TEST_CLIENT_SECRET: "upstream-client-secret",
      RRC_TEST_INTROSPECTION_SECRET: "introspection-secret",
    },
  );
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  gateway = started;
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([upstream?.close(), jwks?.stop(), introspection?.stop(), tokens?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, authorization?: string) {
  const before = upstream.requests.length;
  const response = await request(`${gateway.url}${path}`, {
    headers: authorization ? { authorization } : {},
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    code: response.headers["x-rrc-code"],
    challenge: response.headers["www-authenticate"],
    text,
    forwarded: upstream.requests.slice(before),
  };
}

describe("upstream credential", () => {
  it("injects a client-credentials token fetched from the token endpoint, never the caller's", async () => {
    const result = await get("/main/echo", "Token static-bearer-token");
    expect(result.status).toBe(200);
    expect(tokens.issued.length).toBeGreaterThanOrEqual(1);
    expect(result.forwarded[0]!.headers.authorization).toBe(`Bearer ${tokens.issued.at(-1)}`);
    expect(JSON.stringify(result.forwarded[0]!.headers)).not.toContain("static-bearer-token");
  });
});

describe("digest credentials", () => {
  it("bearer with a custom prefix", async () => {
    expect((await get("/main/echo", "Token static-bearer-token")).status).toBe(200);
    const wrong = await get("/main/echo", "Token not-the-token");
    expect(wrong.status).toBe(401);
    expect(wrong.forwarded).toEqual([]);
  });

  it("a fixed JWT: its digest is the identity, its claims feed token rules", async () => {
    const result = await get("/main/echo/me", `Bearer ${fixedJwt}`);
    expect(result.status).toBe(200);
  });
});

describe("basic", () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  it("accepts the right password and refuses a wrong one with a Basic challenge", async () => {
    expect((await get("/main/echo", basic("alice", "wonderland"))).status).toBe(200);
    expect((await get("/main/echo", basic("alice", "wonderland"))).status).toBe(200);
    const wrong = await get("/main/echo", basic("alice", "looking-glass"));
    expect(wrong.status).toBe(401);
    expect(String(wrong.challenge)).toContain("Basic");
    expect(wrong.forwarded).toEqual([]);
  });
});

describe("jwks", () => {
  it("verifies tokens, and token rules see their claims", async () => {
    const user = await jwks.sign({ sub: "user@email.com" });
    expect((await get("/main/echo/me", `Bearer ${user}`)).status).toBe(200);
    const other = await jwks.sign({ sub: "mallory@evil.test" });
    const denied = await get("/main/echo/me", `Bearer ${other}`);
    expect(denied.status).toBe(403);
    expect(denied.code).toBe("default-denied");
    expect(denied.forwarded).toEqual([]);
  });

  it("refuses expired, wrong-audience, wrong-issuer, unsigned and HS-confused tokens", async () => {
    const expired = await jwks.sign(
      { sub: "user@email.com" },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    const wrongAudience = await jwks.sign({ sub: "user@email.com" }, { audience: "someone-else" });
    const wrongIssuer = await jwks.sign({ sub: "user@email.com" }, { issuer: "https://evil.test" });
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(
      JSON.stringify({
        sub: "user@email.com",
        iss: ISSUER,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 60,
      }),
    ).toString("base64url");
    const unsigned = `${header}.${payload}.`;
    const document = (await (await request(jwks.jwksUri)).body.json()) as { keys: { n: string }[] };
    const confused = await new SignJWT({ sub: "user@email.com" })
      .setProtectedHeader({ alg: "HS256", kid: "key-1" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(document.keys[0]!.n));
    for (const token of [expired, wrongAudience, wrongIssuer, unsigned, confused]) {
      const result = await get("/main/echo", `Bearer ${token}`);
      expect(result.status).toBe(401);
      expect(result.code).toBe("unauthenticated");
      expect(result.forwarded).toEqual([]);
    }
  });

  it("follows a key rotation, and fails closed with 503 when the key source is down", async () => {
    await jwks.rotate();
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the refetch cool-down
    const rotated = await jwks.sign({ sub: "user@email.com" });
    expect((await get("/main/echo/me", `Bearer ${rotated}`)).status).toBe(200);

    await jwks.stop();
    try {
      await jwks.rotate();
      await new Promise((resolve) => setTimeout(resolve, 400)); // past the refetch cool-down again
      const unknownKid = await jwks.sign({ sub: "user@email.com" });
      const result = await get("/main/echo", `Bearer ${unknownKid}`);
      expect(result.status).toBe(503);
      expect(result.code).toBe("auth-unavailable");
      expect(result.forwarded).toEqual([]);
    } finally {
      await jwks.start();
    }
  });
});

describe("oauth2 introspection", () => {
  it("accepts active tokens (cached), refuses inactive ones, and fails closed when the endpoint is down", async () => {
    const before = introspection.calls;
    expect((await get("/main/echo/me", "Bearer opaque-good")).status).toBe(200);
    expect((await get("/main/echo/me", "Bearer opaque-good")).status).toBe(200);
    expect(introspection.calls - before).toBe(1);
    expect((await get("/main/echo/me", "Bearer opaque-other")).status).toBe(403);
    expect((await get("/main/echo", "Bearer opaque-unknown")).status).toBe(401);

    await introspection.stop();
    try {
      const result = await get("/main/echo", "Bearer opaque-never-seen");
      expect(result.status).toBe(503);
      expect(result.code).toBe("auth-unavailable");
      expect((await get("/main/echo/me", "Bearer opaque-good")).status).toBe(200);
    } finally {
      await introspection.start();
    }
  });
});
