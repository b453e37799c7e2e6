// Reads what a request presents: api keys (header or query) and the Authorization header.
import type { ApiKeyCarrier } from "./digest.ts";
import type { AuthRequest } from "./types.ts";

export interface PresentedKey {
  readonly value: string;
  readonly carrier: ApiKeyCarrier;
}

/** Every api-key value the request carries, over the configured carriers (not over the credentials). */
export function presentedApiKeys(request: AuthRequest, carriers: readonly ApiKeyCarrier[]): PresentedKey[] {
  const out: PresentedKey[] = [];
  for (const carrier of carriers) {
    const values =
      carrier.kind === "header"
        ? headerValues(request.headers, carrier.name)
        : request.query.get(carrier.name);
    if (values !== undefined) for (const value of values) out.push({ value, carrier });
  }
  return out;
}

/** Values of a lower-case header; only own keys, so `__proto__` and friends are never read. */
export function headerValues(headers: AuthRequest["headers"], name: string): readonly string[] {
  if (!Object.hasOwn(headers, name)) return [];
  const value = headers[name];
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

export interface Authorization {
  /** Lower-case auth-scheme (case-insensitive, RFC 9110 §11.1). */
  readonly scheme: string;
  /** The token68 after the scheme. */
  readonly token: string;
}

// RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ], auth-scheme = token.
// Only the token68 form is accepted: Basic (RFC 7617) and Bearer (RFC 6750 §2.1) both use it.
const AUTHORIZATION = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +([^\s]+)$/;

export function parseAuthorization(value: string): Authorization | null {
  const match = AUTHORIZATION.exec(value.trim());
  if (match === null) return null;
  // The scheme is ASCII (checked above), so toLowerCase cannot fold a non-ASCII look-alike into it.
  return { scheme: match[1]!.toLowerCase(), token: match[2]! };
}
