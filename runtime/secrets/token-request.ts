// One OAuth 2.0 client credentials token request (RFC 6749 §4.4). Failures are
// UpstreamAuthErrors whose messages carry the status and the RFC 6749 §5.2 error code, never the
// client secret, the token or the response body.
import { type Dispatcher, request } from "undici";
import { UpstreamAuthError } from "./errors.ts";
import { checkHeaderSecret } from "./text.ts";

export interface ClientCredentials {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes?: readonly string[];
  readonly audience?: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresInMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
// RFC 6749 §5.1 only recommends expires_in; without it, assume a short life and refresh often.
const DEFAULT_EXPIRES_IN_S = 300;
const ERROR_CODE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

export async function requestToken(
  credentials: ClientCredentials,
  options: { dispatcher: Dispatcher; timeoutMs: number; signal: AbortSignal },
): Promise<IssuedToken> {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (credentials.scopes !== undefined && credentials.scopes.length > 0) {
    form.set("scope", credentials.scopes.join(" "));
  }
  if (credentials.audience !== undefined) form.set("audience", credentials.audience);
  // RFC 6749 §2.3.1: client id and secret are form-encoded, then sent as HTTP Basic (RFC 7617).
  const basic = Buffer.from(`${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const onAbort = () => timeout.abort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const response = await request(credentials.tokenUrl, {
      method: "POST",
      dispatcher: options.dispatcher,
      signal: timeout.signal,
      headers: {
        accept: "application/json",
        authorization: `Basic ${basic.toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: form.toString(),
    });
    const body = await readLimited(response.body);
    return parseResponse(response.statusCode, body);
  } catch (error) {
    if (error instanceof UpstreamAuthError) throw error;
    if (timeout.signal.aborted && !options.signal.aborted) {
      throw unavailable(`token request timed out after ${options.timeoutMs} ms`);
    }
    const code = (error as { code?: unknown }).code;
    throw unavailable(`token request failed (${typeof code === "string" ? code : "network error"})`);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
  }
}

function parseResponse(status: number, text: string): IssuedToken {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (status < 200 || status > 299) {
    const code =
      typeof fields.error === "string" && ERROR_CODE.test(fields.error) ? ` (${fields.error})` : "";
    throw unavailable(`token endpoint answered ${status}${code}`);
  }
  if (body === undefined) throw unavailable("token response is not JSON");
  const token = fields.access_token;
  if (typeof token !== "string" || token.length === 0)
    throw unavailable("token response has no access_token");
  try {
    checkHeaderSecret(token, "token endpoint");
  } catch {
    throw unavailable("access_token is not printable ASCII");
  }
  const type = fields.token_type;
  if (type !== undefined && (typeof type !== "string" || type.toLowerCase() !== "bearer")) {
    throw unavailable("token_type is not Bearer");
  }
  return { accessToken: token, expiresInMs: expiresIn(fields.expires_in) * 1000 };
}

/** Seconds; some servers send a numeric string. */
function expiresIn(value: unknown): number {
  if (value === undefined) return DEFAULT_EXPIRES_IN_S;
  const seconds = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
    throw unavailable("token response has an invalid expires_in");
  }
  return seconds;
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw unavailable("token response is larger than 64 KiB");
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** application/x-www-form-urlencoded for one value (RFC 6749 Appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function unavailable(message: string): UpstreamAuthError {
  return new UpstreamAuthError("upstream-auth-unavailable", message);
}
