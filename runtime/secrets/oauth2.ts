// OAuth 2.0 client credentials (RFC 6749 §4.4) for a target credential: the first token is
// fetched at once and refreshed ahead of expiry on a timer, so `headers()` never waits. A failed
// refresh keeps the old token until it really expires and retries with backoff; after that
// `headers()` throws rather than let a request go upstream without credentials.
import { Agent } from "undici";
import { UpstreamAuthError } from "./errors.ts";
import { type ClientCredentials, requestToken } from "./token-request.ts";
import type { UpstreamAuth } from "./upstream-auth.ts";

export interface OAuth2Options {
  readonly credential: string;
  readonly fetchTimeoutMs: number;
  readonly now: () => number;
  readonly refreshRatio: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

// setTimeout fires at once for delays past 2^31 - 1 ms; a years-long expires_in must not loop.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface HeldToken {
  readonly expiresAt: number;
  readonly headers: readonly (readonly [string, string])[];
}

export function createOAuth2Auth(credentials: ClientCredentials, options: OAuth2Options): UpstreamAuth {
  const endpoint = describeEndpoint(credentials.tokenUrl);
  const dispatcher = new Agent();
  const closing = new AbortController();
  let token: HeldToken | undefined;
  let lastFailure: string | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let settle: ((error?: Error) => void) | undefined;
  const first = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // ready() may never be called; an unobserved start-up failure must not crash the process.
  first.catch(() => {});

  const unavailable = (why: string) =>
    new UpstreamAuthError("upstream-auth-unavailable", `target credential "${options.credential}": ${why}`);

  const finishFirst = (error?: Error) => {
    settle?.(error);
    settle = undefined;
  };

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => void fetchToken(), Math.min(Math.max(delayMs, 0), MAX_TIMER_MS));
    timer.unref();
  };

  const fetchToken = async () => {
    timer = undefined;
    // Expiry counts from when the request left, so clock time spent waiting is never credited.
    const sentAt = options.now();
    try {
      const issued = await requestToken(credentials, {
        dispatcher,
        timeoutMs: options.fetchTimeoutMs,
        signal: closing.signal,
      });
      if (closing.signal.aborted) return;
      token = {
        expiresAt: sentAt + issued.expiresInMs,
        headers: Object.freeze([Object.freeze(["authorization", `Bearer ${issued.accessToken}`] as const)]),
      };
      lastFailure = undefined;
      failures = 0;
      schedule(issued.expiresInMs * options.refreshRatio);
      finishFirst();
    } catch (error) {
      if (closing.signal.aborted) return;
      lastFailure = `${endpoint}: ${error instanceof Error ? error.message : "token request failed"}`;
      failures += 1;
      schedule(Math.min(options.retryInitialMs * 2 ** (failures - 1), options.retryMaxMs));
      finishFirst(unavailable(lastFailure));
    }
  };

  void fetchToken();

  return {
    ownedHeaders: Object.freeze(["authorization"]),
    headers() {
      if (token !== undefined && options.now() < token.expiresAt) return token.headers;
      const state = token === undefined ? "no access token yet" : "the access token expired";
      throw unavailable(
        lastFailure === undefined ? `${state}; a token request is pending` : `${state}; ${lastFailure}`,
      );
    },
    ready: () => first,
    close() {
      if (closing.signal.aborted) return;
      closing.abort();
      if (timer !== undefined) clearTimeout(timer);
      finishFirst(unavailable("closed before a token was obtained"));
      dispatcher.destroy().catch(() => {});
    },
  };
}

/** The token URL without query or fragment, for messages. */
function describeEndpoint(tokenUrl: string): string {
  const url = new URL(tokenUrl);
  return `token endpoint ${url.origin}${url.pathname}`;
}
