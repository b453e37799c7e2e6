// Malformed and hostile traffic against a real `rrc serve`: oversized headers, bad
// request lines, request smuggling, slow headers and bodies, many idle connections. Each
// gets a clear refusal, nothing reaches the upstream, and the process keeps serving.
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspace } from "../support/gateway-setup.ts";
import type { RecordingUpstream } from "../support/recording-upstream.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { startGatewayFixture } from "./fixture.ts";
import { KEYS } from "./policy.ts";

const dir = workspace("robustness");
let upstream: RecordingUpstream;
let gateway: ServeProcess;

beforeAll(async () => {
  ({ upstream, gateway } = await startGatewayFixture(dir, [
    "--admin-port",
    "off",
    "--log",
    "none",
    "--header-timeout",
    "1000",
    "--client-timeout",
    "2000",
  ]));
});

afterAll(async () => {
  expect(await gateway.stop()).toBe(0);
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes raw bytes (optionally in slow pieces) and resolves with what came back at close. */
function raw(pieces: readonly string[], gapMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(gateway.port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("close", () => resolve(received));
    socket.on("error", () => undefined);
    socket.on("connect", async () => {
      for (const piece of pieces) {
        if (socket.destroyed) break;
        socket.write(piece);
        if (gapMs) await new Promise((done) => setTimeout(done, gapMs));
      }
    });
    setTimeout(() => socket.destroy(), 8000).unref();
  });
}

async function stillServes(): Promise<void> {
  const response = await request(`${gateway.url}/main/echo`, { headers: { "x-api-key": KEYS.reader } });
  await response.body.dump();
  expect(response.statusCode).toBe(200);
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe("protocol robustness", () => {
  it("answers oversized headers with 431 and a problem body", async () => {
    const before = upstream.requests.length;
    const response = await raw([
      `GET /main/echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.reader}\r\nx-pad: ${"a".repeat(40_000)}\r\n\r\n`,
    ]);
    expect(statusOf(response)).toBe(431);
    expect(response).toContain("x-rrc-code: non-canonical-request");
    expect(upstream.requests.length).toBe(before);
    await stillServes();
  });

  it("refuses malformed request lines and conflicting Content-Length / Transfer-Encoding", async () => {
    const before = upstream.requests.length;
    const malformed = await raw(["GARBAGE\r\n\r\n"]);
    expect(statusOf(malformed)).toBe(400);
    const smuggled = await raw([
      `POST /main/echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.writer}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /main/admin HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]);
    expect(statusOf(smuggled)).toBe(400);
    const doubleLength = await raw([
      `POST /main/echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.writer}\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
    ]);
    expect(statusOf(doubleLength)).toBe(400);
    expect(upstream.requests.length).toBe(before);
    await stillServes();
  });

  it("times out a client that sends headers too slowly (slowloris) while serving others", async () => {
    const started = Date.now();
    const slow = raw(
      ["GET /main/echo HTTP/1.1\r\n", "Host: x\r\n", "x-a: 1\r\n", "x-b: 2\r\n", "x-c: 3\r\n"],
      600,
    );
    await stillServes();
    const response = await slow;
    expect(statusOf(response)).toBe(408);
    expect(response).toContain("x-rrc-code: request-timeout");
    expect(Date.now() - started).toBeLessThan(5000);
    await stillServes();
  });

  it("times out a request body that never completes", async () => {
    const before = upstream.requests.length;
    const started = Date.now();
    const response = await raw([
      `POST /main/echo HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.writer}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"amount"`,
    ]);
    expect(Date.now() - started).toBeLessThan(6000);
    expect([408, 400]).toContain(statusOf(response));
    expect(upstream.requests.slice(before).some((item) => item.body.startsWith('{"amount"'))).toBe(false);
    await stillServes();
  });

  it("keeps serving with hundreds of idle connections open", async () => {
    const sockets: Socket[] = [];
    for (let index = 0; index < 300; index++)
      sockets.push(connect(gateway.port, "127.0.0.1").on("error", () => undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all(Array.from({ length: 20 }, () => stillServes()));
    for (const socket of sockets) socket.destroy();
  });
});
