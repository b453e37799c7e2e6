// Shared helpers for the authentication tests: real HTTP servers on 127.0.0.1, port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SecretRef } from "../../compiler/authoring/types.ts";
import type { AuthRequest, AuthResult } from "../../runtime/authenticate/index.ts";

export interface TestServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens: a server is started, its port noted, and the server closed. */
export async function deadUrl(path: string): Promise<string> {
  const server = await listen((_req, res) => res.end());
  await server.close();
  return server.url + path;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function request(
  headers: Record<string, string | string[]> = {},
  query: Record<string, string[]> = {},
): AuthRequest {
  return { headers, query: new Map(Object.entries(query)) };
}

/** Resolves `{ env }` references from a fixed table, as the secrets module would from the environment. */
export function secrets(table: Record<string, string>): (ref: SecretRef) => string {
  return (ref) => {
    if (!("env" in ref) || table[ref.env] === undefined) throw new Error("unknown secret");
    return table[ref.env]!;
  };
}

export async function settle(result: AuthResult | Promise<AuthResult>): Promise<AuthResult> {
  return await result;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
