// A real OAuth 2.0 token endpoint (RFC 6749 §4.4) on 127.0.0.1 for the tests: it checks the client's
// HTTP Basic authentication and form body, issues numbered tokens and remembers when each expires.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type TokenServerMode = "ok" | "error" | "hang" | "no-token";

export interface TokenServer {
  readonly url: string;
  /** Token requests answered or refused, in order. */
  readonly calls: URLSearchParams[];
  /** Token → expiry (ms since epoch) as the server sees it. */
  readonly issued: Map<string, number>;
  mode: TokenServerMode;
  /** Seconds; `undefined` leaves expires_in out of the response. */
  expiresIn: number | string | undefined;
  isValid(token: string): boolean;
  /** Takes the endpoint down (connections refused) and back up on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTokenServer(client: { id: string; secret: string }): Promise<TokenServer> {
  let server: Server | undefined;
  let port = 0;
  const hanging = new Set<ServerResponse>();
  const state = {
    calls: [] as URLSearchParams[],
    issued: new Map<string, number>(),
    mode: "ok" as TokenServerMode,
    expiresIn: 2 as number | string | undefined,
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    state.calls.push(form);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (state.mode === "hang") {
      hanging.add(response);
      return;
    }
    if (state.mode === "error") return send(500, { error: "temporarily_unavailable" });
    if (
      request.method !== "POST" ||
      request.headers["content-type"] !== "application/x-www-form-urlencoded"
    ) {
      return send(400, { error: "invalid_request" });
    }
    if (!authenticated(request.headers.authorization, client)) return send(401, { error: "invalid_client" });
    if (form.get("grant_type") !== "client_credentials")
      return send(400, { error: "unsupported_grant_type" });
    if (state.mode === "no-token") return send(200, { token_type: "Bearer", expires_in: 60 });
    const token = `tok-${state.issued.size + 1}`;
    const seconds = Number(state.expiresIn ?? 300);
    state.issued.set(token, Date.now() + seconds * 1000);
    const body: Record<string, unknown> = { access_token: token, token_type: "Bearer" };
    if (state.expiresIn !== undefined) body.expires_in = state.expiresIn;
    send(200, body);
  };

  const start = async () => {
    server = createServer((request, response) => void handle(request, response));
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const current = server;
    server = undefined;
    if (current === undefined) return;
    for (const response of hanging) response.destroy();
    hanging.clear();
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  };

  await start();
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/oauth/token`,
    isValid: (token: string) => (state.issued.get(token) ?? 0) > Date.now(),
    stop,
    start,
    close: stop,
  });
}

/** RFC 6749 §2.3.1: Basic credentials whose parts are form-encoded. */
function authenticated(header: string | undefined, client: { id: string; secret: string }): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (match?.[1] === undefined) return false;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, " "));
  return (
    formDecode(decoded.slice(0, colon)) === client.id &&
    formDecode(decoded.slice(colon + 1)) === client.secret
  );
}
