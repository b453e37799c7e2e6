// Real identity servers for end-to-end tests, on loopback: a JWKS server whose keys sign
// real tokens (with rotation and outages), an RFC 7662 introspection endpoint and an
// OAuth2 client-credentials token endpoint, each counting its calls.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  exportJWK,
  type GenerateKeyPairResult,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

interface Listening {
  readonly url: string;
  calls: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function serve(
  handler: (request: IncomingMessage, body: string, response: ServerResponse) => void,
): Promise<Listening & { port: number }> {
  let server: Server;
  let port = 0;
  const state = { calls: 0 };
  const make = () =>
    createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      request.on("end", () => {
        state.calls++;
        handler(request, body, response);
      });
    });
  const start = () =>
    new Promise<void>((resolve) => {
      server = make();
      server.listen(port, "127.0.0.1", () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return start().then(() => ({
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get calls() {
      return state.calls;
    },
    set calls(value: number) {
      state.calls = value;
    },
    stop,
    start,
  }));
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

export interface JwksServer extends Listening {
  readonly jwksUri: string;
  /** Signs with the current key. */
  sign(
    claims: JWTPayload,
    options?: { expiresIn?: string | number; audience?: string; issuer?: string },
  ): Promise<string>;
  /** A new key becomes current; the old one is dropped from the document. */
  rotate(): Promise<void>;
}

export async function startJwksServer(issuer: string, audience: string): Promise<JwksServer> {
  let current = await newKey(1);
  let generation = 1;
  const listening = await serve((_request, _body, response) => json(response, 200, { keys: [current.jwk] }));
  return Object.assign(listening, {
    jwksUri: `${listening.url}/.well-known/jwks.json`,
    async sign(
      claims: JWTPayload,
      options: { expiresIn?: string | number; audience?: string; issuer?: string } = {},
    ) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: current.jwk.kid! })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? "5m")
        .sign(current.privateKey);
    },
    async rotate() {
      generation++;
      current = await newKey(generation);
    },
  });
}

async function newKey(
  generation: number,
): Promise<{ jwk: JWK; privateKey: GenerateKeyPairResult["privateKey"] }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `key-${generation}`, alg: "RS256", use: "sig" };
  return { jwk, privateKey };
}

/** RFC 7662: `tokens` maps active tokens to their introspection response. */
export async function startIntrospectionServer(
  clientId: string,
  clientSecret: string,
  tokens: Map<string, Record<string, unknown>>,
): Promise<Listening> {
  const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
  return serve((request, body, response) => {
    if (request.headers.authorization !== expected) {
      json(response, 401, { error: "invalid_client" });
      return;
    }
    const token = new URLSearchParams(body).get("token") ?? "";
    const claims = tokens.get(token);
    json(response, 200, claims ? { active: true, ...claims } : { active: false });
  });
}

/** RFC 6749 §4.4 client credentials; tokens are `issued-token-<n>`. */
export async function startTokenServer(
  clientId: string,
  clientSecret: string,
  expiresIn = 3600,
): Promise<Listening & { issued: string[] }> {
  const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
  const issued: string[] = [];
  const listening = await serve((request, body, response) => {
    const form = new URLSearchParams(body);
    if (request.headers.authorization !== expected || form.get("grant_type") !== "client_credentials") {
      json(response, 401, { error: "invalid_client" });
      return;
    }
    const token = `issued-token-${issued.length + 1}`;
    issued.push(token);
    json(response, 200, { access_token: token, token_type: "Bearer", expires_in: expiresIn });
  });
  return Object.assign(listening, { issued });
}
