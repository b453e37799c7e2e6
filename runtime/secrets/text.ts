// Checks on secret text. A secret ends up in a request header, so any control character could
// split or forge headers (CR, LF) or truncate them (NUL): refused outright, TAB included.
import { SecretError, UpstreamAuthError } from "./errors.ts";

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
// RFC 9110 §5.6.2 token characters: what a header name may contain.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VISIBLE_ASCII = /^[\x20-\x7e]*$/;
// Framing and hop-by-hop headers belong to the gateway, never to a credential.
const RESERVED_HEADERS = new Set([
  "connection",
  "content-length",
  "host",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Strips one trailing newline (`\n` or `\r\n`), as left by editors and `echo`. */
export function stripOneNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

/** Refuses empty secrets and secrets with control characters. */
export function checkSecretText(value: string, reference: string): string {
  if (value.length === 0)
    throw new SecretError("secret-invalid", reference, `secret from ${reference} is empty`);
  if (CONTROL.test(value)) {
    throw new SecretError(
      "secret-invalid",
      reference,
      `secret from ${reference} contains a control character (CR, LF, NUL, TAB, …); refused to prevent header injection`,
    );
  }
  return value;
}

/** A secret sent verbatim as a header value: printable ASCII without surrounding spaces (RFC 9110 §5.5). */
export function checkHeaderSecret(value: string, reference: string): string {
  checkSecretText(value, reference);
  if (!VISIBLE_ASCII.test(value) || value.trim() !== value) {
    throw new SecretError(
      "secret-invalid",
      reference,
      `secret from ${reference} must be printable ASCII without leading or trailing spaces to be sent in a header`,
    );
  }
  return value;
}

/** A header name a credential may set, lower-cased. */
export function checkHeaderName(name: string, credential: string): string {
  const lower = name.toLowerCase();
  if (!TOKEN.test(name) || RESERVED_HEADERS.has(lower)) {
    throw new UpstreamAuthError(
      "upstream-auth-invalid",
      `target credential "${credential}": ${JSON.stringify(name)} cannot be used as a credential header`,
    );
  }
  return lower;
}
