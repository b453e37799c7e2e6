// Child-process roles for the gateway benchmark: `upstream` (a small JSON API), `bare`
// (the fastest Node pass-through: undici Pool streaming, no policy) and `fastify`
// (@fastify/http-proxy with the same pool settings). Each prints `ready <port>` on stdout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";
import { Pool } from "undici";

const [role, upstreamUrl] = process.argv.slice(2);
// An orderly exit on SIGTERM, so that a --cpu-prof profile gets written.
process.once("SIGTERM", () => process.exit(0));

if (role === "upstream") {
  const body = JSON.stringify({ id: "ch_1", amount: 1200, card: { number: "4242424242424242" }, ok: true });
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(`ready ${(server.address() as AddressInfo).port}`));
} else if (role === "bare") {
  const pool = new Pool(upstreamUrl!, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
  const server = createServer((request, response) => {
    pool
      .stream(
        { path: request.url ?? "/", method: "GET", headers: { "x-forwarded-for": "127.0.0.1" } },
        ({ statusCode, headers }) => {
          response.writeHead(statusCode, headers as Record<string, string>);
          return response;
        },
      )
      .catch(() => {
        if (!response.headersSent) response.writeHead(502);
        response.end();
      });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(`ready ${(server.address() as AddressInfo).port}`));
} else if (role === "fastify") {
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  // Mounted at the proxy's prefix like rrc (`/bench/...` → `/...` upstream); undici pool as `bare`.
  await app.register(proxy, {
    upstream: upstreamUrl!,
    prefix: "/bench",
    undici: { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 },
  });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(`ready ${new URL(address).port}`);
} else {
  console.error("usage: gateway-servers upstream | bare <upstream url> | fastify <upstream url>");
  process.exit(2);
}
