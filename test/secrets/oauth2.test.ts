import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { TargetAuth } from "../../compiler/authoring/types.ts";
import { SecretError, UpstreamAuthError } from "../../runtime/secrets/errors.ts";
import {
  createUpstreamAuth,
  type UpstreamAuth,
  type UpstreamAuthOptions,
} from "../../runtime/secrets/upstream-auth.ts";
import { startTokenServer, type TokenServer } from "./token-server.ts";

// The client secret has characters RFC 6749 §2.3.1 form-encodes, so the server proves the encoding.
const CLIENT = { id: "gateway client", secret: "s3cr:t+/ü&=x" };
const env = { CLIENT_SECRET: CLIENT.secret, WRONG_SECRET: "not-the-secret" };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<TokenServer> {
  const started = await startTokenServer(CLIENT);
  cleanups.push(() => started.close());
  return started;
}

function oauth2(
  endpoint: TokenServer,
  options: UpstreamAuthOptions = {},
  overrides: Partial<Extract<TargetAuth, { type: "oauth2" }>> = {},
): UpstreamAuth {
  const auth = createUpstreamAuth(
    {
      id: "billing",
      target: "billing-api",
      auth: {
        type: "oauth2",
        tokenUrl: endpoint.url,
        clientId: CLIENT.id,
        clientSecret: { env: "CLIENT_SECRET" },
        scopes: ["invoices:read", "invoices:write"],
        audience: "https://billing.example",
        ...overrides,
      },
    },
    { env, baseDir: "/" },
    options,
  );
  cleanups.push(() => auth.close());
  return auth;
}

function bearer(auth: UpstreamAuth): string {
  const headers = auth.headers();
  expect(headers).toHaveLength(1);
  const [name, value] = headers[0] ?? [];
  expect(name).toBe("authorization");
  expect(value).toMatch(/^Bearer tok-\d+$/);
  return (value ?? "").slice("Bearer ".length);
}

/** The current token, or undefined while headers() refuses. */
function current(auth: UpstreamAuth): string | undefined {
  try {
    return bearer(auth);
  } catch (error) {
    if (error instanceof UpstreamAuthError) return undefined;
    throw error;
  }
}

async function unavailable(promise: Promise<unknown>): Promise<UpstreamAuthError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamAuthError);
  expect((error as UpstreamAuthError).code).toBe("upstream-auth-unavailable");
  expect((error as Error).message).not.toContain(CLIENT.secret);
  return error as UpstreamAuthError;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("oauth2 client credentials (RFC 6749 §4.4)", () => {
  it("fetches the first token at start, with Basic client auth and the form body", async () => {
    const endpoint = await server();
    endpoint.expiresIn = 60;
    const auth = oauth2(endpoint);
    expect(auth.ownedHeaders).toEqual(["authorization"]);
    await auth.ready();
    expect(endpoint.calls).toHaveLength(1);
    expect(Object.fromEntries(endpoint.calls[0] ?? [])).toEqual({
      grant_type: "client_credentials",
      scope: "invoices:read invoices:write",
      audience: "https://billing.example",
    });
    expect(bearer(auth)).toBe("tok-1");
    expect(auth.headers()).toBe(auth.headers());
  });

  it("leaves scope and audience out when not configured, and accepts a string expires_in", async () => {
    const endpoint = await server();
    endpoint.expiresIn = "60";
    const auth = oauth2(endpoint, {}, { scopes: [], audience: undefined });
    await auth.ready();
    expect(Object.fromEntries(endpoint.calls[0] ?? [])).toEqual({ grant_type: "client_credentials" });
    expect(bearer(auth)).toBe("tok-1");
  });

  it("refreshes ahead of expiry: headers() always carries an unexpired token", async () => {
    const endpoint = await server();
    endpoint.expiresIn = 1;
    // Refresh at 0.6 s leaves 0.4 s of slack for a busy test machine.
    const auth = oauth2(endpoint, { refreshRatio: 0.6 });
    await auth.ready();
    const seen = new Set<string>();
    const end = Date.now() + 3_200;
    while (Date.now() < end) {
      const token = bearer(auth);
      expect(endpoint.isValid(token), `${token} is unexpired`).toBe(true);
      seen.add(token);
      await sleep(20);
    }
    // Refreshed every 0.6 s: about five refreshes in 3.2 s.
    expect(endpoint.calls.length).toBeGreaterThanOrEqual(4);
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  it("keeps the old token while the endpoint is down, then refuses once it expires, then recovers", async () => {
    const endpoint = await server();
    endpoint.expiresIn = 1;
    const auth = oauth2(endpoint, { refreshRatio: 0.5, retryInitialMs: 50, retryMaxMs: 200 });
    await auth.ready();
    const expiresAt = endpoint.issued.get("tok-1") ?? 0;
    await endpoint.stop();

    // Until it expires, the old token is served, although every refresh fails.
    while (Date.now() < expiresAt - 100) {
      expect(bearer(auth)).toBe("tok-1");
      await sleep(20);
    }
    await sleep(Math.max(0, expiresAt + 50 - Date.now()));
    expect(endpoint.calls).toHaveLength(1);
    const error = await unavailable(Promise.resolve().then(() => auth.headers()));
    expect(error.message).toContain("expired");
    expect(error.message).toContain("ECONNREFUSED");

    // Back up: the next retry (≤ 200 ms apart) fetches a new token.
    await endpoint.start();
    await until(() => current(auth) === "tok-2", 1_000);
    expect(endpoint.isValid("tok-2")).toBe(true);
  });

  it("keeps the old token when the endpoint answers 500 during refresh", async () => {
    const endpoint = await server();
    endpoint.expiresIn = 1;
    const auth = oauth2(endpoint, { refreshRatio: 0.3, retryInitialMs: 50, retryMaxMs: 100 });
    await auth.ready();
    endpoint.mode = "error";
    await until(() => endpoint.calls.length >= 3, 1_000);
    expect(bearer(auth)).toBe("tok-1");
    endpoint.mode = "ok";
    await until(() => current(auth) === "tok-2", 1_000);
    expect(endpoint.isValid("tok-2")).toBe(true);
  });

  it("treats the token as expired by the injected clock", async () => {
    const endpoint = await server();
    endpoint.expiresIn = 60;
    let skew = 0;
    const auth = oauth2(endpoint, { now: () => Date.now() + skew });
    await auth.ready();
    expect(bearer(auth)).toBe("tok-1");
    skew = 61_000;
    const error = await unavailable(Promise.resolve().then(() => auth.headers()));
    expect(error.message).toContain('"billing"');
  });

  it("ready() rejects when the client is refused, with the status and error code only", async () => {
    const endpoint = await server();
    const auth = oauth2(endpoint, {}, { clientSecret: { env: "WRONG_SECRET" } });
    const error = await unavailable(auth.ready());
    expect(error.message).toContain("401");
    expect(error.message).toContain("invalid_client");
    expect(error.message).not.toContain(env.WRONG_SECRET);
    await unavailable(Promise.resolve().then(() => auth.headers()));
  });

  it("ready() rejects on a timeout, an unusable response, or no endpoint at all", async () => {
    const hanging = await server();
    hanging.mode = "hang";
    const timedOut = await unavailable(oauth2(hanging, { fetchTimeoutMs: 150 }).ready());
    expect(timedOut.message).toContain("timed out");

    const noToken = await server();
    noToken.mode = "no-token";
    expect((await unavailable(oauth2(noToken).ready())).message).toContain("access_token");

    const down = await server();
    await down.stop();
    expect((await unavailable(oauth2(down).ready())).message).toContain("ECONNREFUSED");
  });

  it("retries after a failed start and becomes ready for headers() later", async () => {
    const endpoint = await server();
    endpoint.mode = "error";
    endpoint.expiresIn = 60;
    const auth = oauth2(endpoint, { retryInitialMs: 50 });
    await unavailable(auth.ready());
    endpoint.mode = "ok";
    await until(() => current(auth) === "tok-1", 1_000);
  });

  it("a missing client secret variable fails construction without a request", async () => {
    const endpoint = await server();
    let error: unknown;
    try {
      oauth2(endpoint, {}, { clientSecret: { env: "NO_SUCH_SECRET" } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).code).toBe("secret-missing");
    expect((error as Error).message).toContain("NO_SUCH_SECRET");
    await sleep(50);
    expect(endpoint.calls).toHaveLength(0);
  });

  it("close() stops refreshing, and rejects a pending ready()", async () => {
    const endpoint = await server();
    endpoint.expiresIn = 1;
    const auth = oauth2(endpoint, { refreshRatio: 0.2 });
    await auth.ready();
    auth.close();
    await sleep(400);
    expect(endpoint.calls).toHaveLength(1);

    const hanging = await server();
    hanging.mode = "hang";
    const pending = oauth2(hanging);
    const ready = pending.ready();
    await until(() => hanging.calls.length === 1, 1_000);
    pending.close();
    expect((await unavailable(ready)).message).toContain("closed");
  });
});
