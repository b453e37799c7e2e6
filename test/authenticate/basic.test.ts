import { describe, expect, it } from "vitest";
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import {
  BasicVerifier,
  parseBasic,
  parseScryptHash,
  verifyPassword,
} from "../../runtime/authenticate/basic.ts";
import { Authenticator, type AuthResult, hashPassword } from "../../runtime/authenticate/index.ts";
import { request, secrets } from "./support.ts";

const basic = (user: string, password: string) => ({
  authorization: "Basic " + Buffer.from(`${user}:${password}`, "utf8").toString("base64"),
});

const credentials: ProxyCredential[] = [
  {
    id: "ops",
    auth: {
      type: "basic",
      username: "ops",
      passwordHash: (await hashPassword("c0rrect:horse")) as `scrypt:${string}`,
    },
  },
  {
    id: "jose",
    auth: {
      type: "basic",
      username: "josé",
      passwordHash: (await hashPassword("pässwörd", { N: 1024 })) as `scrypt:${string}`,
    },
  },
];
const auth = new Authenticator(credentials, { resolveSecret: secrets({}) });

function failure(result: AuthResult) {
  if (result.ok) throw new Error(`expected a failure, got ${result.credential}`);
  expect(result.status).toBe(401);
  return result;
}

describe("hashPassword", () => {
  it("produces scrypt:N:r:p:salt:hash with the documented defaults", async () => {
    const text = await hashPassword("secret");
    expect(text).toMatch(/^scrypt:16384:8:1:[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$/);
    const parsed = parseScryptHash(text);
    expect(parsed.salt.length).toBe(16);
    expect(parsed.hash.length).toBe(32);
    expect(await verifyPassword("secret", parsed)).toBe(true);
    expect(await verifyPassword("Secret", parsed)).toBe(false);
    expect(await hashPassword("secret")).not.toBe(text); // fresh salt each time
  });

  it("refuses malformed or unsafe hashes when the authenticator is built", () => {
    const build = (passwordHash: string) =>
      new Authenticator(
        [
          {
            id: "x",
            auth: { type: "basic", username: "u", passwordHash: passwordHash as `scrypt:${string}` },
          },
        ],
        {
          resolveSecret: secrets({}),
        },
      );
    expect(() => build("scrypt:16384:8:1:c2FsdA==")).toThrow(/proxy credential x/);
    expect(() => build("scrypt:1000:8:1:c2FsdHNhbHRzYWx0:aGFzaGhhc2hoYXNoaGFzaA==")).toThrow(/N/);
    expect(() => build(`scrypt:${2 ** 24}:8:1:c2FsdHNhbHRzYWx0:aGFzaGhhc2hoYXNoaGFzaA==`)).toThrow(/N/);
  });
});

describe("parseBasic (RFC 7617)", () => {
  it("splits at the first colon and decodes UTF-8", () => {
    const token = Buffer.from("josé:a:b:c").toString("base64");
    expect(parseBasic(token)).toEqual({ username: "josé", password: "a:b:c" });
  });

  it("refuses no colon, bad base64, invalid UTF-8 and control characters", () => {
    expect(parseBasic(Buffer.from("nocolon").toString("base64"))).toBeNull();
    expect(parseBasic("not base64!")).toBeNull();
    expect(parseBasic(Buffer.from([0x75, 0x3a, 0xff]).toString("base64"))).toBeNull();
    expect(parseBasic(Buffer.from("u:p\u0000").toString("base64"))).toBeNull();
  });
});

describe("basic credentials", () => {
  it("verifies the password with scrypt, then answers repeats synchronously from the cache", async () => {
    const first = auth.authenticate(request(basic("ops", "c0rrect:horse")));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({
      ok: true,
      credential: "ops",
      claims: null,
      stripHeaders: ["authorization"],
      stripQuery: [],
    });
    const second = auth.authenticate(request(basic("ops", "c0rrect:horse")));
    expect(second instanceof Promise).toBe(false);
    expect(second).toMatchObject({ ok: true, credential: "ops" });
  });

  it("accepts UTF-8 user-ids and passwords", async () => {
    expect(await auth.authenticate(request(basic("josé", "pässwörd")))).toMatchObject({ credential: "jose" });
  });

  it("refuses a wrong password, and does not cache the failure", async () => {
    const first = await auth.authenticate(request(basic("ops", "hunter2-guess")));
    expect(failure(first).reason).not.toContain("hunter2");
    expect(first).toMatchObject({ challenge: 'Basic realm="rrc", charset="UTF-8"' });
    const again = auth.authenticate(request(basic("ops", "hunter2-guess")));
    expect(again).toBeInstanceOf(Promise);
    failure(await again);
  });

  it("refuses an unknown username after the same scrypt work", async () => {
    const result = auth.authenticate(request(basic("nobody", "c0rrect:horse")));
    expect(result).toBeInstanceOf(Promise);
    expect(failure(await result).reason).toBe("basic: unknown username");
  });

  it("refuses malformed Basic credentials synchronously", () => {
    const result = auth.authenticate(request({ authorization: "Basic %%%" }));
    expect(result instanceof Promise).toBe(false);
    failure(result as AuthResult);
  });

  it("shares one verification between concurrent identical requests", async () => {
    const verifier = new BasicVerifier(credentials);
    const a = verifier.verify({ username: "ops", password: "c0rrect:horse" });
    const b = verifier.verify({ username: "ops", password: "c0rrect:horse" });
    expect(a).toBeInstanceOf(Promise);
    expect(a).toBe(b);
    expect(await a).toEqual({ ok: true, id: "ops" });
    expect(verifier.verify({ username: "ops", password: "c0rrect:horse" })).toEqual({ ok: true, id: "ops" });
  });
});
