// Raw HTTP/1.1 over `node:net`: HTTP clients normalise exactly the things these tests need
// to send (methods, targets, header spelling, framing), so requests are written byte for
// byte and responses parsed by hand.
import { connect } from "node:net";

export interface RawResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Exchange {
  readonly responses: RawResponse[];
  /** Everything received, as latin1. */
  readonly text: string;
  /** The server closed the connection (rather than the client giving up). */
  readonly closedByServer: boolean;
}

export interface ExchangeOptions {
  /** Pieces written one after another, `gapMs` apart (slow clients). */
  readonly gapMs?: number;
  /** Stop once this many responses arrived (default: wait for the server to close). */
  readonly responses?: number;
  /** Give up after this long (default 5 s). */
  readonly timeoutMs?: number;
  /** Responses to HEAD carry no body whatever their Content-Length. */
  readonly head?: boolean;
}

/** Writes `pieces` to a fresh connection and parses what comes back. */
export function exchange(
  port: number,
  pieces: string | Buffer | readonly (string | Buffer)[],
  options: ExchangeOptions = {},
): Promise<Exchange> {
  const list = Array.isArray(pieces) ? pieces : [pieces];
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let closedByServer = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString("latin1");
      resolve({ responses: parseResponses(received, options.head ?? false), text, closedByServer });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 5000);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (options.responses && parseResponses(received, options.head ?? false).length >= options.responses) {
        finish();
      }
    });
    socket.on("end", () => {
      closedByServer = true;
      finish();
    });
    socket.on("close", finish);
    socket.on("error", () => undefined);
    socket.on("connect", async () => {
      for (const piece of list) {
        if (socket.destroyed) break;
        socket.write(typeof piece === "string" ? Buffer.from(piece, "latin1") : piece);
        if (options.gapMs) await new Promise((wait) => setTimeout(wait, options.gapMs));
      }
    });
  });
}

/** Complete responses in `data`, in order (Content-Length or chunked framing). */
export function parseResponses(data: Buffer, head = false): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = data.indexOf("\r\n\r\n", at, "latin1");
    if (end < 0) return out;
    const lines = data.toString("latin1", at, end).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let bodyStart = end + 4;
    let body = "";
    if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      // no body
    } else if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      const chunks: Buffer[] = [];
      let pos = bodyStart;
      for (;;) {
        const lineEnd = data.indexOf("\r\n", pos, "latin1");
        if (lineEnd < 0) return out;
        const size = Number.parseInt(data.toString("latin1", pos, lineEnd), 16);
        if (!Number.isFinite(size)) return out;
        if (size === 0) {
          const trailerEnd = data.indexOf("\r\n\r\n", lineEnd, "latin1");
          if (trailerEnd < 0) return out;
          pos = trailerEnd + 4;
          break;
        }
        if (data.length < lineEnd + 2 + size + 2) return out;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        pos = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(chunks).toString("utf8");
      bodyStart = pos;
    } else {
      const length = Number(headers["content-length"] ?? 0);
      if (data.length < bodyStart + length) return out;
      body = data.toString("utf8", bodyStart, bodyStart + length);
      bodyStart += length;
    }
    if (status >= 100 && status < 200) {
      at = bodyStart;
      continue;
    }
    out.push({ status, headers, body });
    at = bodyStart;
  }
}

export type HeaderList = readonly (readonly [string, string])[];

/**
 * One HTTP/1.1 request as bytes: `Host: 127.0.0.1` first unless `headers` names a Host,
 * Content-Length when there is a body (unless a framing header is given), and
 * `Connection: close` so that the server ends the exchange.
 */
export function http1(
  method: string,
  target: string,
  headers: HeaderList = [],
  body?: string | Buffer,
  options: { host?: boolean; close?: boolean } = {},
): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`];
  const has = (name: string) => headers.some(([key]) => key.toLowerCase() === name);
  if (options.host !== false && !has("host")) lines.push("Host: 127.0.0.1");
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const payload = body === undefined ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body) : body;
  if (body !== undefined && !has("content-length") && !has("transfer-encoding")) {
    lines.push(`Content-Length: ${payload.length}`);
  }
  if (options.close !== false && !has("connection")) lines.push("Connection: close");
  // Targets and header values may hold raw UTF-8 on purpose: keep the bytes as written.
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "utf8"), payload]);
}
