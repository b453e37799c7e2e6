// HTTP/1.1 framing attacks and resource exhaustion against a real `rrc serve` with small
// client limits: request smuggling variants, slow headers and bodies, size limits, many
// connections and pipelining. After every case the process is still running, still serves
// other clients, and no smuggled request (anything for `/admin`) ever reached the upstream.
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startGatewayFixture } from "../gateway/fixture.ts";
import { KEYS } from "../gateway/policy.ts";
import { workspace } from "../support/gateway-setup.ts";
import type { RecordingUpstream } from "../support/recording-upstream.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { exchange, http1 } from "./support/raw-http.ts";

const dir = workspace("protocol");
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
    "--max-header-bytes",
    "8192",
    "--upstream-timeout",
    "3000",
  ]));
});

afterAll(async () => {
  expect(await gateway.stop()).toBe(0);
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  // Whatever a case did, the process is up, serves a fresh client, and nothing smuggled got through.
  expect(gateway.child.exitCode).toBeNull();
  await stillServes();
  expect(upstream.requests.filter((r) => r.url.includes("admin"))).toEqual([]);
});

async function stillServes(): Promise<void> {
  const response = await request(`${gateway.url}/main/echo`, { headers: { "x-api-key": KEYS.reader } });
  await response.body.dump();
  expect(response.statusCode).toBe(200);
}

const WRITER = `x-api-key: ${KEYS.writer}\r\n`;
const READER = `x-api-key: ${KEYS.reader}\r\n`;
/** A request for the admin area, smuggled after the body the gateway is meant to see. */
const SMUGGLED = `GET /main/admin HTTP/1.1\r\nHost: x\r\n${READER}\r\n`;

describe("request smuggling", () => {
  const framings: [string, string][] = [
    ["Content-Length and Transfer-Encoding", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n"],
    ["Transfer-Encoding then Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n"],
    ["TE: xchunked", "Transfer-Encoding: xchunked\r\n"],
    ["TE: chunked, identity", "Transfer-Encoding: chunked, identity\r\n"],
    ["TE: chunked, gzip (chunked not last)", "Transfer-Encoding: chunked, gzip\r\n"],
    ["TE twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"],
    ["TE with a space before the colon", "Transfer-Encoding : chunked\r\nContent-Length: 4\r\n"],
    ["TE by obs-fold", "Transfer-Encoding: identity\r\n chunked\r\nContent-Length: 4\r\n"],
    ["TE with a vertical tab", "Transfer-Encoding:\x0bchunked\r\nContent-Length: 4\r\n"],
    ["Content-Length twice, same value", "Content-Length: 4\r\nContent-Length: 4\r\n"],
    ["Content-Length twice, different values", "Content-Length: 4\r\nContent-Length: 40\r\n"],
    ["Content-Length as a list", "Content-Length: 4, 4\r\n"],
    ["Content-Length with a plus sign", "Content-Length: +4\r\n"],
    ["Content-Length negative", "Content-Length: -1\r\n"],
    ["Content-Length with an inner space", "Content-Length: 4 0\r\n"],
    ["Content-Length in hex", "Content-Length: 0x4\r\n"],
    ["Content-Length overflowing 64 bits", "Content-Length: 99999999999999999999999\r\n"],
  ];

  it.each(framings)("%s → 400, the smuggled request never reaches the upstream", async (_name, framing) => {
    const before = upstream.requests.length;
    const result = await exchange(
      gateway.port,
      `POST /main/echo HTTP/1.1\r\nHost: x\r\n${WRITER}Content-Type: application/json\r\n${framing}\r\n` +
        `0\r\n\r\n${SMUGGLED}`,
    );
    expect(result.responses[0]?.status).toBe(400);
    expect(result.responses[0]?.headers["x-rrc-code"]).toBe("non-canonical-request");
    expect(result.responses).toHaveLength(1);
    expect(result.closedByServer).toBe(true);
    expect(upstream.requests.length).toBe(before);
  });

  it.each([
    ["chunk size overflowing 64 bits", "FFFFFFFFFFFFFFFFF3\r\nabc\r\n0\r\n\r\n"],
    ["chunk size with a sign", "+3\r\nabc\r\n0\r\n\r\n"],
    ["chunk lines ending in LF only", "3\nabc\n0\n\n"],
    ["chunk shorter than its size", "8\r\nabc\r\n0\r\n\r\n"],
  ])("malformed chunked body (%s) is refused and nothing is forwarded", async (_name, body) => {
    const before = upstream.requests.length;
    const result = await exchange(
      gateway.port,
      `POST /main/echo HTTP/1.1\r\nHost: x\r\n${WRITER}Content-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${body}${SMUGGLED}`,
    );
    expect(result.responses.map((r) => r.status).filter((s) => s !== 400 && s !== 408)).toEqual([]);
    expect(upstream.requests.slice(before).filter((r) => r.method === "POST" && r.body !== "")).toEqual([]);
  });

  it("reads an accepted chunked body exactly, so what follows it is a request of its own", async () => {
    // `Transfer-Encoding:\tchunked` and an extension are valid: the body ends at the last chunk,
    // and the next request on the connection is judged like any other (no key: 401).
    const before = upstream.requests.length;
    const result = await exchange(
      gateway.port,
      `POST /main/echo HTTP/1.1\r\nHost: x\r\n${WRITER}Content-Type: application/json\r\n` +
        `Transfer-Encoding:\tCHUNKED\r\n\r\nc;ext=1\r\n{"amount":1}\r\n0\r\n\r\n` +
        "GET /main/admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      { responses: 2 },
    );
    expect(result.responses.map((r) => r.status)).toEqual([200, 401]);
    expect(upstream.requests.slice(before).map((r) => [r.method, r.url, r.body])).toEqual([
      ["POST", "/echo", '{"amount":1}'],
    ]);
  });

  it("refuses a request line ending in a bare LF and an unknown HTTP version", async () => {
    for (const line of [
      "GET /main/echo HTTP/1.1\nHost: x\n\n",
      "GET /main/echo HTTP/1.2\r\nHost: x\r\n\r\n",
    ]) {
      const result = await exchange(gateway.port, line);
      expect(result.responses[0]?.status).toBe(400);
    }
  });

  it("answers pipelined requests in order, each judged on its own", async () => {
    const before = upstream.requests.length;
    const keep = { close: false };
    const result = await exchange(
      gateway.port,
      Buffer.concat([
        http1("GET", "/main/echo/1", [["x-api-key", KEYS.reader]], undefined, keep),
        http1("GET", "/main/admin", [["x-api-key", KEYS.reader]], undefined, keep),
        http1(
          "POST",
          "/main/echo",
          [
            ["x-api-key", KEYS.writer],
            ["Content-Type", "application/json"],
          ],
          '{"amount":99999}',
          keep,
        ),
        http1(
          "POST",
          "/main/echo",
          [
            ["x-api-key", KEYS.writer],
            ["Content-Type", "application/json"],
          ],
          '{"amount":7}',
          keep,
        ),
        http1("GET", "/main/echo/5", [["x-api-key", KEYS.reader]]),
      ]),
      { responses: 5 },
    );
    // Responses keep the request order; the gateway may work on them concurrently.
    expect(result.responses.map((r) => r.status)).toEqual([200, 403, 403, 200, 200]);
    expect(
      upstream.requests
        .slice(before)
        .map((r) => `${r.method} ${r.url} ${r.body}`)
        .sort(),
    ).toEqual(["GET /echo/1 ", "GET /echo/5 ", 'POST /echo {"amount":7}']);
  });

  it("closes the connection after a malformed request instead of reading on", async () => {
    const before = upstream.requests.length;
    const result = await exchange(
      gateway.port,
      `GET /main/echo HTTP/1.1\r\nHost: x\r\n${READER}x-bad header: 1\r\n\r\nGET /main/echo/2 HTTP/1.1\r\nHost: x\r\n${READER}\r\n`,
    );
    expect(result.responses.map((r) => r.status)).toEqual([400]);
    expect(result.closedByServer).toBe(true);
    expect(upstream.requests.length).toBe(before);
  });

  it("does not forward a denied request's body when the client waits for 100-continue", async () => {
    const before = upstream.requests.length;
    const result = await exchange(
      gateway.port,
      `POST /main/admin HTTP/1.1\r\nHost: x\r\n${WRITER}Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
    );
    expect(result.responses.at(-1)?.status).toBe(403);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("slow clients", () => {
  it("cuts a client that sends headers too slowly (slowloris) while serving others", async () => {
    const started = Date.now();
    const slow = exchange(
      gateway.port,
      ["GET /main/echo HTTP/1.1\r\n", "Host: x\r\n", "x-a: 1\r\n", "x-b: 2\r\n", "x-c: 3\r\n", "x-d: 4\r\n"],
      { gapMs: 400, timeoutMs: 6000 },
    );
    await stillServes();
    const result = await slow;
    expect(result.responses[0]?.status).toBe(408);
    expect(result.responses[0]?.headers["x-rrc-code"]).toBe("request-timeout");
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("cuts many slowloris connections at once", async () => {
    const slow = Array.from({ length: 50 }, () =>
      exchange(gateway.port, ["GET /main/echo HTTP/1.1\r\n", "Host: x\r\n", "x-a: 1\r\n", "x-b: 2\r\n"], {
        gapMs: 500,
        timeoutMs: 6000,
      }),
    );
    await stillServes();
    const results = await Promise.all(slow);
    expect(results.every((r) => r.responses[0]?.status === 408 || r.closedByServer)).toBe(true);
  });

  it("cuts a body that a body rule waits for and never forwards it", async () => {
    const before = upstream.requests.length;
    const started = Date.now();
    const result = await exchange(
      gateway.port,
      [
        `POST /main/echo HTTP/1.1\r\nHost: x\r\n${WRITER}Content-Type: application/json\r\nContent-Length: 40\r\n\r\n`,
        '{"am',
        "ount",
        '":1,',
        '"x":',
        '"y"',
        ",",
        '"z"',
      ],
      { gapMs: 500, timeoutMs: 8000 },
    );
    expect(Date.now() - started).toBeLessThan(6000);
    expect([400, 408]).toContain(result.responses[0]?.status ?? 408);
    expect(upstream.requests.slice(before).filter((r) => r.body.includes("am"))).toEqual([]);
  });

  it("cuts a streamed body that never completes", async () => {
    // GET bodies are not inspected here: they stream to the upstream, which never sees them end.
    const before = upstream.requests.length;
    const result = await exchange(
      gateway.port,
      [
        `GET /main/echo HTTP/1.1\r\nHost: x\r\n${READER}Content-Length: 100000\r\n\r\n`,
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
      ],
      { gapMs: 500, timeoutMs: 8000 },
    );
    expect(result.closedByServer || result.responses.length > 0).toBe(true);
    expect(upstream.requests.slice(before)).toEqual([]);
  });
});

describe("size limits", () => {
  it("refuses headers over --max-header-bytes with 431, a long target too", async () => {
    const big = await exchange(
      gateway.port,
      http1("GET", "/main/echo", [
        ["x-api-key", KEYS.reader],
        ["x-pad", "a".repeat(9000)],
      ]),
    );
    expect(big.responses[0]?.status).toBe(431);
    const longTarget = await exchange(
      gateway.port,
      http1("GET", `/main/echo/${"a".repeat(9000)}`, [["x-api-key", KEYS.reader]]),
    );
    expect(longTarget.responses[0]?.status).toBe(431);
    const manySmall = await exchange(
      gateway.port,
      http1("GET", "/main/echo", [
        ["x-api-key", KEYS.reader],
        ...Array.from({ length: 1500 }, (_, i) => [`x-${i}`, "1"] as const),
      ]),
    );
    expect(manySmall.responses[0]?.status).toBe(431);
  });

  it("serves headers just under the limit", async () => {
    const result = await exchange(
      gateway.port,
      http1("GET", "/main/echo", [
        ["x-api-key", KEYS.reader],
        ["x-pad", "a".repeat(7000)],
      ]),
    );
    expect(result.responses[0]?.status).toBe(200);
  });

  it("refuses an inspected body over the proxy's bodyLimit, declared or chunked, without reading it", async () => {
    const before = upstream.requests.length;
    const declared = await exchange(
      gateway.port,
      `POST /main/echo HTTP/1.1\r\nHost: x\r\n${WRITER}Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{`,
      { responses: 1 },
    );
    expect(declared.responses[0]?.status).toBe(413);
    const pad = "x".repeat(300);
    const chunked = await exchange(
      gateway.port,
      `POST /main/echo HTTP/1.1\r\nHost: x\r\n${WRITER}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${(pad.length + 10).toString(16)}\r\n{"pad":"${pad}"}\r\n0\r\n\r\n`,
      { responses: 1 },
    );
    expect(chunked.responses[0]?.status).toBe(413);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("many connections", () => {
  it("answers 400 concurrent connections and keeps serving", async () => {
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        exchange(
          gateway.port,
          http1("GET", i % 2 ? "/main/echo/many" : "/main/admin", [["x-api-key", KEYS.reader]]),
          {
            timeoutMs: 15_000,
          },
        ),
      ),
    );
    const statuses = results.map((r) => r.responses[0]?.status);
    expect(statuses.filter((s, i) => s !== (i % 2 ? 200 : 403))).toEqual([]);
  });

  it("keeps serving with 500 idle connections open", async () => {
    const sockets: Socket[] = [];
    for (let index = 0; index < 500; index++)
      sockets.push(connect(gateway.port, "127.0.0.1").on("error", () => undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all(Array.from({ length: 20 }, () => stillServes()));
    for (const socket of sockets) socket.destroy();
  });
});
