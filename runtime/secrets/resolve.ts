// Resolving a secret reference (SPEC §8) to its value. Errors name the reference, never the value.
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import type { SecretRef } from "../../compiler/authoring/types.ts";
import { decryptSecret, parseSecretKey, SECRET_KEY_ENV } from "./encrypt.ts";
import { SecretError } from "./errors.ts";
import { checkSecretText, stripOneNewline } from "./text.ts";

export { SecretError, type SecretErrorCode } from "./errors.ts";

export interface SecretContext {
  env: NodeJS.ProcessEnv;
  /** Relative `file` references resolve against it (the policy's directory). */
  baseDir: string;
  /** The variable holding the key for `encrypted` references; default `RRC_SECRET_KEY`. */
  keyEnv?: string;
}

export function resolveSecret(ref: SecretRef, context: SecretContext): string {
  if ("env" in ref && typeof ref.env === "string") return fromEnv(ref.env, context);
  if ("file" in ref && typeof ref.file === "string") return fromFile(ref.file, context);
  if ("encrypted" in ref && typeof ref.encrypted === "string") return fromEncrypted(ref.encrypted, context);
  throw new SecretError(
    "secret-invalid",
    "secret reference",
    "a secret reference names env, file or encrypted",
  );
}

/** Where a reference points, as errors name it: `env NAME`, `file /abs/path` or `encrypted secret`. */
export function describeSecretRef(ref: SecretRef, context: SecretContext): string {
  if ("env" in ref) return `env ${ref.env}`;
  if ("file" in ref) return `file ${resolvePath(context.baseDir, ref.file)}`;
  return "encrypted secret";
}

function fromEnv(name: string, context: SecretContext): string {
  const reference = `env ${name}`;
  const value = context.env[name];
  if (value === undefined || value === "") {
    throw new SecretError("secret-missing", reference, `environment variable ${name} is not set or empty`);
  }
  return checkSecretText(value, reference);
}

function fromFile(file: string, context: SecretContext): string {
  const path = resolvePath(context.baseDir, file);
  const reference = `file ${path}`;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === undefined ? "it is not UTF-8 text" : code;
    throw new SecretError("secret-unreadable", reference, `secret file ${path} could not be read (${why})`);
  }
  return checkSecretText(stripOneNewline(text), reference);
}

function fromEncrypted(token: string, context: SecretContext): string {
  const variable = context.keyEnv ?? SECRET_KEY_ENV;
  const key = parseSecretKey(context.env[variable], variable);
  let value: string;
  try {
    value = decryptSecret(token, key);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    // Say which key was tried: the usual cause is a key from another environment.
    throw new SecretError(error.code, error.reference, `${error.message} (key from ${variable})`);
  }
  return checkSecretText(value, "encrypted secret");
}
