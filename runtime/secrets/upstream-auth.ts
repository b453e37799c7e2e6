// What the gateway adds to every request it forwards for a target credential (SPEC §8). Secrets are
// resolved here, at construction, so a missing variable or file fails start-up rather than a request.
import type { SecretRef, TargetAuth, TargetCredential } from "../../compiler/authoring/types.ts";
import { SecretError, UpstreamAuthError } from "./errors.ts";
import { createOAuth2Auth } from "./oauth2.ts";
import { describeSecretRef, resolveSecret, type SecretContext } from "./resolve.ts";
import { checkHeaderName, checkHeaderSecret, checkSecretText } from "./text.ts";

export { UpstreamAuthError, type UpstreamAuthErrorCode } from "./errors.ts";

export interface UpstreamAuth {
  /** Headers to set (lower-case name, value). Sync: tokens are fetched ahead of time. */
  headers(): readonly (readonly [string, string])[];
  /** Header names the caller must not be able to set (they are replaced). */
  readonly ownedHeaders: readonly string[];
  /** Resolves when a first token is available (oauth2); rejects with SecretError/UpstreamAuthError if it cannot be obtained at start-up. */
  ready(): Promise<void>;
  close(): void;
}

export interface UpstreamAuthOptions {
  /** Per token request, oauth2 only. Default 10 s. */
  fetchTimeoutMs?: number;
  /** The clock deciding token expiry. Default Date.now. */
  now?: () => number;
  /** Fraction of a token's lifetime after which it is refreshed. Default 0.8. */
  refreshRatio?: number;
  /** First retry delay after a failed token request, doubling each time. Default 1 s. */
  retryInitialMs?: number;
  /** Cap on the retry delay. Default 30 s. */
  retryMaxMs?: number;
}

type Header = readonly [string, string];
/** Resolves a reference; `asHeader` when the value is sent verbatim as a header value. */
type ResolveFor = (ref: SecretRef, asHeader?: boolean) => string;

export function createUpstreamAuth(
  credential: TargetCredential,
  context: SecretContext,
  options: UpstreamAuthOptions = {},
): UpstreamAuth {
  const refreshRatio = options.refreshRatio ?? 0.8;
  if (!(refreshRatio > 0 && refreshRatio <= 1)) throw new RangeError("refreshRatio must be in (0, 1]");
  const auth = credential.auth;
  const secret: ResolveFor = (ref, asHeader = false) => withCredential(credential.id, ref, context, asHeader);
  if (auth.type === "oauth2") {
    return createOAuth2Auth(
      {
        tokenUrl: checkTokenUrl(auth.tokenUrl, credential.id),
        clientId: checkSecretText(auth.clientId, "clientId"),
        clientSecret: secret(auth.clientSecret),
        ...(auth.scopes === undefined ? {} : { scopes: auth.scopes }),
        ...(auth.audience === undefined ? {} : { audience: auth.audience }),
      },
      {
        credential: credential.id,
        fetchTimeoutMs: options.fetchTimeoutMs ?? 10_000,
        now: options.now ?? Date.now,
        refreshRatio,
        retryInitialMs: options.retryInitialMs ?? 1_000,
        retryMaxMs: options.retryMaxMs ?? 30_000,
      },
    );
  }
  return staticAuth(staticHeaders(auth, credential.id, secret));
}

function staticHeaders(
  auth: Exclude<TargetAuth, { type: "oauth2" }>,
  id: string,
  secret: ResolveFor,
): Header[] {
  switch (auth.type) {
    case "none":
      return [];
    case "apiKey":
      return [[checkHeaderName(auth.header ?? "x-api-key", id), secret(auth.secret, true)]];
    case "bearer":
      return [["authorization", `Bearer ${secret(auth.secret, true)}`]];
    case "basic": {
      // RFC 7617 §2: the user-id cannot contain a colon; both parts are UTF-8 before base64.
      if (auth.username.includes(":")) {
        throw new UpstreamAuthError(
          "upstream-auth-invalid",
          `target credential "${id}": basic username contains ":"`,
        );
      }
      const pair = `${checkSecretText(auth.username, "username")}:${secret(auth.password)}`;
      return [["authorization", `Basic ${Buffer.from(pair, "utf8").toString("base64")}`]];
    }
    case "headers": {
      const out: Header[] = auth.headers.map((h) => [checkHeaderName(h.name, id), secret(h.secret, true)]);
      if (new Set(out.map(([name]) => name)).size !== out.length) {
        throw new UpstreamAuthError(
          "upstream-auth-invalid",
          `target credential "${id}": a header is named twice`,
        );
      }
      return out;
    }
    default:
      throw new UpstreamAuthError("upstream-auth-invalid", `target credential "${id}": unknown auth type`);
  }
}

function staticAuth(pairs: readonly Header[]): UpstreamAuth {
  const headers = Object.freeze(pairs.map((pair) => Object.freeze(pair)));
  const ready = Promise.resolve();
  return {
    headers: () => headers,
    ownedHeaders: Object.freeze(pairs.map(([name]) => name)),
    ready: () => ready,
    close() {},
  };
}

/** Resolves a secret, prefixing errors with the credential so start-up output says which one. */
function withCredential(id: string, ref: SecretRef, context: SecretContext, asHeader: boolean): string {
  try {
    const value = resolveSecret(ref, context);
    return asHeader ? checkHeaderSecret(value, describeSecretRef(ref, context)) : value;
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    throw new SecretError(error.code, error.reference, `target credential "${id}": ${error.message}`);
  }
}

/** http(s) only, and no credentials in the URL: the client secret belongs in a secret reference. */
function checkTokenUrl(tokenUrl: string, id: string): string {
  let url: URL | undefined;
  try {
    url = new URL(tokenUrl);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username ||
    url.password
  ) {
    throw new UpstreamAuthError(
      "upstream-auth-invalid",
      `target credential "${id}": tokenUrl must be an http(s) URL without user info`,
    );
  }
  return tokenUrl;
}
