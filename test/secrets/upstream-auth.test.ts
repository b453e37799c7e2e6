import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TargetAuth } from "../../compiler/authoring/types.ts";
import { SecretError, UpstreamAuthError } from "../../runtime/secrets/errors.ts";
import type { SecretContext } from "../../runtime/secrets/resolve.ts";
import { createUpstreamAuth } from "../../runtime/secrets/upstream-auth.ts";

const dir = mkdtempSync(join(tmpdir(), "rrc-upstream-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { API_KEY: "key-123", TOKEN: "tok-456", PASSWORD: "pä:ss", OTHER: "other-789" };
const context: SecretContext = { env, baseDir: dir };

function make(auth: TargetAuth, ctx: SecretContext = context) {
  return createUpstreamAuth({ id: "stripe", target: "stripe-api", auth }, ctx);
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("static credentials", () => {
  it("none adds nothing", async () => {
    const auth = make({ type: "none" });
    await auth.ready();
    expect(auth.headers()).toEqual([]);
    expect(auth.ownedHeaders).toEqual([]);
    auth.close();
  });

  it("apiKey sets x-api-key by default, or the named header lower-cased", async () => {
    const byDefault = make({ type: "apiKey", secret: { env: "API_KEY" } });
    await byDefault.ready();
    expect(byDefault.headers()).toEqual([["x-api-key", "key-123"]]);
    expect(byDefault.ownedHeaders).toEqual(["x-api-key"]);
    const named = make({ type: "apiKey", header: "X-Stripe-Key", secret: { env: "API_KEY" } });
    expect(named.headers()).toEqual([["x-stripe-key", "key-123"]]);
    expect(named.ownedHeaders).toEqual(["x-stripe-key"]);
  });

  it("bearer sets authorization", () => {
    const auth = make({ type: "bearer", secret: { env: "TOKEN" } });
    expect(auth.headers()).toEqual([["authorization", "Bearer tok-456"]]);
    expect(auth.ownedHeaders).toEqual(["authorization"]);
  });

  it("basic sets authorization to base64 of UTF-8 user:password (RFC 7617)", () => {
    const auth = make({ type: "basic", username: "svc", password: { env: "PASSWORD" } });
    const expected = `Basic ${Buffer.from("svc:pä:ss", "utf8").toString("base64")}`;
    expect(auth.headers()).toEqual([["authorization", expected]]);
    expect(auth.ownedHeaders).toEqual(["authorization"]);
  });

  it("headers sets each, secrets from env and file", () => {
    writeFileSync(join(dir, "tenant"), "tenant-secret\n");
    const auth = make({
      type: "headers",
      headers: [
        { name: "X-Api-Key", secret: { env: "API_KEY" } },
        { name: "x-tenant-secret", secret: { file: "tenant" } },
      ],
    });
    expect(auth.headers()).toEqual([
      ["x-api-key", "key-123"],
      ["x-tenant-secret", "tenant-secret"],
    ]);
    expect(auth.ownedHeaders).toEqual(["x-api-key", "x-tenant-secret"]);
  });

  it("returns frozen headers", () => {
    const headers = make({ type: "bearer", secret: { env: "TOKEN" } }).headers();
    expect(Object.isFrozen(headers)).toBe(true);
    expect(Object.isFrozen(headers[0])).toBe(true);
  });
});

describe("start-up failures", () => {
  it("a missing variable fails construction, naming the variable and the credential", () => {
    const error = thrown(() => make({ type: "bearer", secret: { env: "MISSING_TOKEN" } }));
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).code).toBe("secret-missing");
    expect(error.message).toContain("MISSING_TOKEN");
    expect(error.message).toContain('"stripe"');
  });

  it("a missing file fails construction as unreadable", () => {
    const error = thrown(() => make({ type: "apiKey", secret: { file: "absent" } }));
    expect((error as SecretError).code).toBe("secret-unreadable");
  });

  it("refuses header secrets that are not printable ASCII, without echoing them", () => {
    const bad = { ...env, API_KEY: "kéy-123", SPACED: " key-123" };
    for (const name of ["API_KEY", "SPACED"]) {
      const error = thrown(() => make({ type: "apiKey", secret: { env: name } }, { env: bad, baseDir: dir }));
      expect((error as SecretError).code).toBe("secret-invalid");
      expect(error.message).toContain(name);
      expect(error.message).not.toContain("key-123");
    }
  });

  it("refuses a CRLF in a secret (header injection)", () => {
    const bad = { ...env, TOKEN: "tok-456\r\nx-admin: true" };
    const error = thrown(() =>
      make({ type: "bearer", secret: { env: "TOKEN" } }, { env: bad, baseDir: dir }),
    );
    expect((error as SecretError).code).toBe("secret-invalid");
    expect(error.message).not.toContain("tok-456");
  });

  it("refuses unusable header names, a basic username with a colon and duplicate headers", () => {
    const invalid: TargetAuth[] = [
      { type: "apiKey", header: "x api key", secret: { env: "API_KEY" } },
      { type: "apiKey", header: "Host", secret: { env: "API_KEY" } },
      { type: "basic", username: "a:b", password: { env: "PASSWORD" } },
      {
        type: "headers",
        headers: [
          { name: "x-a", secret: { env: "API_KEY" } },
          { name: "X-A", secret: { env: "OTHER" } },
        ],
      },
      { type: "oauth2", tokenUrl: "ftp://example.com/token", clientId: "c", clientSecret: { env: "TOKEN" } },
      {
        type: "oauth2",
        tokenUrl: "https://u:p@example.com/t",
        clientId: "c",
        clientSecret: { env: "TOKEN" },
      },
    ];
    for (const auth of invalid) {
      const error = thrown(() => make(auth));
      expect(error).toBeInstanceOf(UpstreamAuthError);
      expect((error as UpstreamAuthError).code).toBe("upstream-auth-invalid");
    }
  });

  it("refuses a refreshRatio outside (0, 1]", () => {
    for (const refreshRatio of [0, 1.5, Number.NaN]) {
      expect(() =>
        createUpstreamAuth({ id: "x", target: "t", auth: { type: "none" } }, context, { refreshRatio }),
      ).toThrow(RangeError);
    }
  });
});
