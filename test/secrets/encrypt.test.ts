import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  generateSecretKey,
  runSecretCommand,
} from "../../runtime/secrets/encrypt.ts";
import { SecretError } from "../../runtime/secrets/errors.ts";

const key = Buffer.from(generateSecretKey(), "base64");

function undecryptable(fn: () => unknown): void {
  expect(fn).toThrow(SecretError);
  try {
    fn();
  } catch (error) {
    expect((error as SecretError).code).toBe("secret-undecryptable");
  }
}

/** Flips one bit of one base64url part of a token. */
function tamper(token: string, part: number): string {
  const parts = token.split(":");
  const bytes = Buffer.from(parts[part] ?? "", "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString("base64url");
  return parts.join(":");
}

describe("encryptSecret / decryptSecret", () => {
  it("round-trips, with a fresh IV each time", () => {
    const plaintext = "pässwörd ✓ with spaces";
    const a = encryptSecret(plaintext, key);
    const b = encryptSecret(plaintext, key);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^rrc1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
    expect(decryptSecret(a, key)).toBe(plaintext);
    expect(decryptSecret(b, key)).toBe(plaintext);
  });

  it("refuses a tampered IV, ciphertext or tag", () => {
    const token = encryptSecret("secret-value", key);
    for (const part of [1, 2, 3]) undecryptable(() => decryptSecret(tamper(token, part), key));
  });

  it("refuses a wrong key", () => {
    const token = encryptSecret("secret-value", key);
    undecryptable(() => decryptSecret(token, Buffer.from(generateSecretKey(), "base64")));
  });

  it("refuses malformed tokens and keys that are not 32 bytes", () => {
    const token = encryptSecret("secret-value", key);
    for (const bad of ["", "rrc1:", token.replace("rrc1", "rrc2"), `${token}:x`, token.replace(/.$/, "!")]) {
      undecryptable(() => decryptSecret(bad, key));
    }
    undecryptable(() => encryptSecret("x", Buffer.alloc(16)));
    undecryptable(() => decryptSecret(token, Buffer.alloc(16)));
  });

  it("generates base64 keys of 32 random bytes", () => {
    const a = generateSecretKey();
    expect(Buffer.from(a, "base64")).toHaveLength(32);
    expect(Buffer.from(a, "base64").toString("base64")).toBe(a);
    expect(generateSecretKey()).not.toBe(a);
  });
});

async function run(args: string[], stdin: string, env: NodeJS.ProcessEnv) {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env };
  io.stdin.end(stdin);
  const code = await runSecretCommand(args, io);
  io.stdout.end();
  io.stderr.end();
  return { code, stdout: String(io.stdout.read() ?? ""), stderr: String(io.stderr.read() ?? "") };
}

describe("runSecretCommand", () => {
  const RRC_SECRET_KEY = key.toString("base64");

  it("encrypt: reads stdin, strips one newline, prints the reference as JSON", async () => {
    const { code, stdout, stderr } = await run(["encrypt"], "sk_live_abc\n", { RRC_SECRET_KEY });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.endsWith("}\n")).toBe(true);
    const { encrypted } = JSON.parse(stdout) as { encrypted: string };
    expect(encrypted.startsWith("rrc1:")).toBe(true);
    expect(decryptSecret(encrypted, key)).toBe("sk_live_abc");
  });

  it("encrypt: fails without RRC_SECRET_KEY, in one line naming the variable", async () => {
    const { code, stdout, stderr } = await run(["encrypt"], "sk_live_abc\n", {});
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^rrc secret: .*RRC_SECRET_KEY.*\n$/);
    expect(stderr.split("\n")).toHaveLength(2);
  });

  it("encrypt: refuses an empty secret or one with control characters", async () => {
    for (const input of ["", "\n", "a\r\nb", "a\tb\n"]) {
      const { code, stdout, stderr } = await run(["encrypt"], input, { RRC_SECRET_KEY });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.split("\n")).toHaveLength(2);
    }
  });

  it("keygen prints a new base64 key", async () => {
    const { code, stdout } = await run(["keygen"], "", {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(stdout.trim(), "base64")).toHaveLength(32);
  });

  it("prints usage for unknown or missing subcommands (exit 1) and for --help (exit 0)", async () => {
    for (const args of [[], ["decrypt"], ["encrypt", "extra"]]) {
      const { code, stderr } = await run(args, "", {});
      expect(code).toBe(1);
      expect(stderr).toMatch(/^rrc secret: usage: /);
    }
    const help = await run(["--help"], "", {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: /);
  });
});
