import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encryptSecret, generateSecretKey } from "../../runtime/secrets/encrypt.ts";
import { resolveSecret, type SecretContext, SecretError } from "../../runtime/secrets/resolve.ts";

const dir = mkdtempSync(join(tmpdir(), "rrc-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALUE = "sk_live_51Hx9aVALUE";

function context(env: NodeJS.ProcessEnv = {}, keyEnv?: string): SecretContext {
  return { env, baseDir: dir, ...(keyEnv === undefined ? {} : { keyEnv }) };
}

/** Runs `fn`, expecting a SecretError with `code`, whose message never holds `value`. */
function secretError(fn: () => unknown, code: SecretError["code"], value = VALUE): SecretError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretError);
    const secretError = error as SecretError;
    expect(secretError.code).toBe(code);
    expect(secretError.message).not.toContain(value);
    expect(secretError.reference).not.toContain(value);
    return secretError;
  }
  throw new Error("expected a SecretError");
}

describe("env references", () => {
  it("resolves the variable", () => {
    expect(resolveSecret({ env: "STRIPE_KEY" }, context({ STRIPE_KEY: VALUE }))).toBe(VALUE);
  });

  it("refuses a missing or empty variable, naming it", () => {
    for (const env of [{}, { STRIPE_KEY: "" }]) {
      const error = secretError(() => resolveSecret({ env: "STRIPE_KEY" }, context(env)), "secret-missing");
      expect(error.message).toContain("STRIPE_KEY");
      expect(error.reference).toBe("env STRIPE_KEY");
    }
  });

  it("refuses CR, LF, NUL, TAB and DEL (header injection) without echoing the value", () => {
    for (const bad of ["\r\nx-admin: 1", "\n", "\0", "\t", "\x7f", "\x85"]) {
      const value = `${VALUE}${bad}`;
      const error = secretError(
        () => resolveSecret({ env: "STRIPE_KEY" }, context({ STRIPE_KEY: value })),
        "secret-invalid",
        VALUE,
      );
      expect(error.message).toContain("STRIPE_KEY");
    }
  });
});

describe("file references", () => {
  it("reads the file relative to baseDir and trims one trailing newline", () => {
    writeFileSync(join(dir, "lf"), `${VALUE}\n`);
    writeFileSync(join(dir, "crlf"), `${VALUE}\r\n`);
    writeFileSync(join(dir, "bare"), VALUE);
    for (const name of ["lf", "crlf", "bare"]) expect(resolveSecret({ file: name }, context())).toBe(VALUE);
    expect(resolveSecret({ file: join(dir, "lf") }, context())).toBe(VALUE);
  });

  it("trims only one newline: a second one is refused", () => {
    writeFileSync(join(dir, "two"), `${VALUE}\n\n`);
    secretError(() => resolveSecret({ file: "two" }, context()), "secret-invalid");
  });

  it("refuses a missing file or a directory as unreadable, naming the path", () => {
    for (const name of ["absent", "."]) {
      const error = secretError(() => resolveSecret({ file: name }, context()), "secret-unreadable");
      expect(error.reference).toBe(`file ${join(dir, name)}`.replace(/\/\.$/, ""));
    }
  });

  it("refuses an empty file", () => {
    writeFileSync(join(dir, "empty"), "\n");
    secretError(() => resolveSecret({ file: "empty" }, context()), "secret-invalid");
  });
});

describe("encrypted references", () => {
  const key = generateSecretKey();
  const token = encryptSecret(VALUE, Buffer.from(key, "base64"));

  it("decrypts with the key from RRC_SECRET_KEY or the configured variable", () => {
    expect(resolveSecret({ encrypted: token }, context({ RRC_SECRET_KEY: key }))).toBe(VALUE);
    expect(resolveSecret({ encrypted: token }, context({ OTHER_KEY: key }, "OTHER_KEY"))).toBe(VALUE);
  });

  it("refuses a missing or malformed key, naming the variable", () => {
    for (const bad of [undefined, "", "not base64!", Buffer.alloc(16).toString("base64")]) {
      const error = secretError(
        () => resolveSecret({ encrypted: token }, context({ RRC_SECRET_KEY: bad })),
        "secret-undecryptable",
      );
      expect(error.message).toContain("RRC_SECRET_KEY");
      expect(error.reference).toBe("env RRC_SECRET_KEY");
    }
  });

  it("refuses a wrong key, saying which variable held it", () => {
    const error = secretError(
      () => resolveSecret({ encrypted: token }, context({ RRC_SECRET_KEY: generateSecretKey() })),
      "secret-undecryptable",
    );
    expect(error.message).toContain("RRC_SECRET_KEY");
  });

  it("refuses a decrypted secret with control characters", () => {
    const crlf = encryptSecret(`${VALUE}\r\nx-admin: 1`, Buffer.from(key, "base64"));
    secretError(() => resolveSecret({ encrypted: crlf }, context({ RRC_SECRET_KEY: key })), "secret-invalid");
  });
});

it("refuses a reference of no known kind", () => {
  secretError(() => resolveSecret({} as never, context()), "secret-invalid");
});
