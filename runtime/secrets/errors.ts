// Errors for upstream secrets. Messages and `reference` name where a secret comes from (a variable,
// a file), never its value: they end up in start-up output and logs (SPEC §8).

export type SecretErrorCode =
  | "secret-missing"
  | "secret-unreadable"
  | "secret-undecryptable"
  | "secret-invalid";

export class SecretError extends Error {
  override readonly name = "SecretError";
  constructor(
    readonly code: SecretErrorCode,
    /** Where the secret comes from, e.g. `env STRIPE_KEY` or `file /run/secrets/key`. */
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}

export type UpstreamAuthErrorCode = "upstream-auth-unavailable" | "upstream-auth-invalid";

/**
 * `upstream-auth-unavailable`: no usable credential right now (token endpoint down, token expired);
 * the gateway answers 502/503 instead of forwarding without credentials.
 * `upstream-auth-invalid`: the credential's configuration cannot be used (bad header name, …).
 */
export class UpstreamAuthError extends Error {
  override readonly name = "UpstreamAuthError";
  constructor(
    readonly code: UpstreamAuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
