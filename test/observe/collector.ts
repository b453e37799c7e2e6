// A real SIEM-style HTTP collector on loopback: takes NDJSON POSTs and keeps the lines it
// accepted, in order. It can be taken down (connection refused) and brought back on the same
// port, answer a status instead of accepting, or hold its answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Collector {
  readonly url: string;
  /** Lines of every accepted POST, in arrival order. */
  readonly lines: string[];
  /** Every POST that arrived (accepted or not): content type and line count. */
  readonly posts: { contentType: string | undefined; lines: number; status: number }[];
  /** Answer the next `count` POSTs with `status` instead of accepting them. */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** Stop listening: later connections are refused. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const lines: string[] = [];
  const posts: Collector["posts"] = [];
  let failures: { status: number; headers: Record<string, string> }[] = [];
  let server: Server | null = null;
  let port = 0;

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const received = Buffer.concat(chunks).toString("utf8").split("\n").filter(Boolean);
      const failure = failures.shift();
      const status = failure?.status ?? 200;
      posts.push({ contentType: request.headers["content-type"], lines: received.length, status });
      if (failure === undefined) lines.push(...received);
      response.writeHead(status, failure?.headers ?? {});
      response.end();
    });
  };
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer(handle);
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = null;
      if (current === null) return resolve();
      current.closeAllConnections();
      current.close(() => resolve());
    });
  await up();
  return {
    get url() {
      return `http://127.0.0.1:${port}/ingest`;
    },
    lines,
    posts,
    failNext(count, status, headers = {}) {
      failures = [...failures, ...Array.from({ length: count }, () => ({ status, headers }))];
    },
    down,
    up,
    close: down,
  };
}
