// `{ encrypted }` secret references (SPEC §8): AES-256-GCM, the ciphertext in the policy, the key in
// an environment variable. Token format: `rrc1:<iv>:<ciphertext>:<tag>`, each part base64url.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SecretError } from "./errors.ts";
import { checkSecretText, stripOneNewline } from "./text.ts";

export const SECRET_KEY_ENV = "RRC_SECRET_KEY";

const PREFIX = "rrc1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// The version prefix is authenticated too, so a token cannot be relabelled as another format.
const AAD = Buffer.from(PREFIX);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const TOKEN_REFERENCE = "encrypted secret";
const MAX_PLAINTEXT_BYTES = 64 * 1024;

export function encryptSecret(plaintext: string, key: Buffer): string {
  checkKeyLength(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString("base64url"));
  return [PREFIX, ...parts].join(":");
}

/** Decrypts and authenticates a token; a wrong key or any altered byte is `secret-undecryptable`. */
export function decryptSecret(token: string, key: Buffer): string {
  checkKeyLength(key);
  const parts = token.split(":");
  const iv = decodeBase64url(parts[1]);
  const ciphertext = decodeBase64url(parts[2]);
  const tag = decodeBase64url(parts[3]);
  if (parts.length !== 4 || parts[0] !== PREFIX || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES) {
    throw undecryptable("is not a well-formed rrc1 token");
  }
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext ?? Buffer.alloc(0)), decipher.final()]);
  } catch {
    throw undecryptable("failed authentication: wrong key, or the token was altered");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
  } catch {
    throw undecryptable("does not decrypt to UTF-8 text");
  }
}

/** A new key: base64 of 32 random bytes, for `RRC_SECRET_KEY`. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}

/** Reads the key from an environment variable's value; the message names the variable. */
export function parseSecretKey(text: string | undefined, variable: string): Buffer {
  const reference = `env ${variable}`;
  const trimmed = text?.trim() ?? "";
  if (trimmed.length === 0) {
    throw new SecretError(
      "secret-undecryptable",
      reference,
      `environment variable ${variable} is not set; it must hold the base64 of a 32-byte key`,
    );
  }
  const key = BASE64.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (key?.length !== KEY_BYTES) {
    throw new SecretError(
      "secret-undecryptable",
      reference,
      `environment variable ${variable} does not hold the base64 of a 32-byte key`,
    );
  }
  return key;
}

export interface SecretCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = "usage: rrc secret encrypt < plaintext  (needs RRC_SECRET_KEY) | rrc secret keygen";

/** `rrc secret encrypt` and `rrc secret keygen`; errors are one line on stderr and exit code 1. */
export async function runSecretCommand(args: readonly string[], io: SecretCommandIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (rest.length === 0 && (command === "--help" || command === "-h")) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (rest.length === 0 && command === "keygen") {
      io.stdout.write(`${generateSecretKey()}\n`);
      return 0;
    }
    if (rest.length === 0 && command === "encrypt") {
      // The key is checked first, so a missing one fails before anything is typed.
      const key = parseSecretKey(io.env[SECRET_KEY_ENV], SECRET_KEY_ENV);
      const plaintext = checkSecretText(stripOneNewline(await readStdin(io.stdin)), "stdin");
      io.stdout.write(`${JSON.stringify({ encrypted: encryptSecret(plaintext, key) })}\n`);
      return 0;
    }
    io.stderr.write(`rrc secret: ${USAGE}\n`);
    return 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`rrc secret: ${message.split("\n")[0]}\n`);
    return 1;
  }
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > MAX_PLAINTEXT_BYTES) throw new Error("the secret on stdin is larger than 64 KiB");
    chunks.push(buffer);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new Error("the secret on stdin is not UTF-8 text");
  }
}

function checkKeyLength(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new SecretError("secret-undecryptable", "secret key", "the secret key must be 32 bytes (AES-256)");
  }
}

function undecryptable(why: string): SecretError {
  return new SecretError("secret-undecryptable", TOKEN_REFERENCE, `${TOKEN_REFERENCE} ${why}`);
}

/** Strict base64url: canonical encodings only, so a token has exactly one spelling. */
function decodeBase64url(text: string | undefined): Buffer | undefined {
  if (text === undefined || !BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}
