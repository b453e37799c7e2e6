// A real upstream HTTP server that records exactly what reaches it, and answers by path:
// `/json/*` a JSON document with card numbers and emails, `/text` plain text, `/slow/<ms>`
// after a delay, `/big/<bytes>` a large JSON document, `/pretty` the card document indented and
// with numbers spelled as JSON.stringify would not (`1200.0`), `/gzip/*` the card document gzipped
// whatever the request accepts, anything else an echo.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

export interface RecordingUpstream {
  readonly port: number;
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export const CARD_DOCUMENT = {
  data: [
    {
      id: "ch_1",
      amount: 1200,
      card: { number: "4242424242424242", brand: "visa" },
      email: "ann@example.com",
    },
    {
      id: "ch_2",
      amount: 800,
      card: { number: "5555555555554444", brand: "mastercard" },
      email: "bob@example.com",
    },
  ],
  note: "contact ann@example.com, card 4242 4242 4242 4242",
};

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body,
      });
      const path = (request.url ?? "/").split("?")[0]!;
      if (path.startsWith("/json")) {
        send(response, 200, "application/json", JSON.stringify(CARD_DOCUMENT));
      } else if (path === "/pretty") {
        const pretty = JSON.stringify(CARD_DOCUMENT, null, 2).replace('"amount": 1200', '"amount": 1200.0');
        send(response, 200, "application/json", pretty);
      } else if (path.startsWith("/gzip")) {
        const body = gzipSync(JSON.stringify(CARD_DOCUMENT));
        response.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": body.length,
        });
        response.end(body);
      } else if (path === "/text") {
        send(response, 200, "text/plain", "plain text 4242424242424242");
      } else if (path.startsWith("/slow/")) {
        const delay = Number(path.slice("/slow/".length)) || 1000;
        setTimeout(() => send(response, 200, "application/json", '{"slow":true}'), delay);
      } else if (path.startsWith("/big/")) {
        const size = Number(path.slice("/big/".length)) || 1024;
        send(response, 200, "application/json", JSON.stringify({ blob: "x".repeat(size) }));
      } else if (path.startsWith("/usage/")) {
        const tokens = Number(path.slice("/usage/".length)) || 0;
        send(response, 200, "application/json", JSON.stringify({ usage: { total_tokens: tokens } }));
      } else if (path.startsWith("/status/")) {
        send(
          response,
          Number(path.slice("/status/".length)) || 500,
          "application/json",
          '{"error":"upstream"}',
        );
      } else {
        send(
          response,
          200,
          "application/json",
          JSON.stringify({ method: request.method, url: request.url, body }),
        );
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(
  response: import("node:http").ServerResponse,
  status: number,
  type: string,
  body: string,
): void {
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  response.end(body);
}
