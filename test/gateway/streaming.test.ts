// Streaming through a real `rrc serve` (no response filter, so the forward stage streams):
// the caller's backpressure reaches the upstream, a caller that goes away stops the upstream
// request, and an upstream that fails mid-body cuts the caller's connection.
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import {
  type ClientRequest,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { digest } from "./policy.ts";

const KEY = "streaming-key-1";
const BIG = randomBytes(16 * 1024 * 1024);
const BIG_SHA = createHash("sha256").update(BIG).digest("hex");
const CHUNK = 64 * 1024;

const dir = workspace("streaming");
const timers = new Set<NodeJS.Timeout>();
/** What the upstream saw of the latest /endless request. */
let endless = { closed: false, stalledSince: null as number | null };
let bigSent = 0;
let upstream: Server;
let gateway: ServeProcess;

function serveBig(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BIG.length });
  bigSent = 0;
  const pump = () => {
    while (bigSent < BIG.length && !res.destroyed) {
      const piece = BIG.subarray(bigSent, bigSent + CHUNK);
      bigSent += piece.length;
      if (!res.write(piece)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

function serveEndless(res: ServerResponse, fast: boolean): void {
  const state: typeof endless = { closed: false, stalledSince: null };
  endless = state;
  res.writeHead(200, { "content-type": "application/octet-stream" });
  const timer = setInterval(() => fast || res.write(randomBytes(16 * 1024)), 10);
  timers.add(timer);
  res.once("close", () => {
    state.closed = true;
    clearInterval(timer);
  });
  const pump = () => {
    state.stalledSince = null;
    while (!res.destroyed && res.write(BIG.subarray(0, CHUNK)));
    if (res.destroyed) return;
    state.stalledSince = Date.now();
    res.once("drain", pump);
  };
  if (fast) pump();
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://upstream").pathname;
    if (path === "/big") serveBig(res);
    else if (path === "/endless") serveEndless(res, req.url?.includes("fast=1") === true);
    else if (path === "/cut") {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 100_000 });
      res.write(BIG.subarray(0, 1000), () => setTimeout(() => res.socket?.destroy(), 50));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const port = (upstream.address() as AddressInfo).port;
  const policy: PolicyDocument = {
    targets: [{ id: "origin", url: `http://127.0.0.1:${port}` }],
    targetCredentials: [{ id: "origin-none", target: "origin", auth: { type: "none" } }],
    proxyCredentials: [{ id: "caller", auth: { type: "apiKey", keys: [digest(KEY)] } }],
    proxies: [
      {
        id: "stream",
        target: "origin",
        targetCredential: "origin-none",
        credentials: ["caller"],
        default: "deny",
        rules: [{ id: "read", effect: "allow", methods: ["GET"], path: "^/(big|endless|cut)$" }],
      },
    ],
  };
  const started = await spawnServe(["--bundle", await buildPolicy(policy, dir), "--admin-port", "off"]);
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  gateway = started;
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  upstream?.closeAllConnections();
  if (gateway) expect(await gateway.stop()).toBe(0);
  await new Promise((resolve) => upstream?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, onResponse: (res: IncomingMessage, req: ClientRequest) => void): ClientRequest {
  const req = request(`${gateway.url}/stream${path}`, { agent: false, headers: { "x-api-key": KEY } });
  req.on("response", (res) => onResponse(res, req));
  return req.end();
}

function within<T>(ms: number, what: string, body: (done: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    body((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** `sentAtResume`: bytes the upstream had written when the caller resumed reading. */
type Fetched = { status: number; code: unknown; sha: string; bytes: number; sentAtResume: number };
type Cut = { status: number; bytes: number; complete: boolean };

/** Fetches /big, pausing `pauseMs` after the first chunk. */
function fetchBig(pauseMs: number): Promise<Fetched> {
  return within<Fetched>(30_000, "GET /big", (done) => {
    let bytes = 0;
    let sentAtResume = -1;
    const hash = createHash("sha256");
    get("/big", (res) => {
      res.on("data", (chunk: Buffer) => {
        if (bytes === 0 && pauseMs > 0) {
          res.pause();
          setTimeout(() => {
            sentAtResume = bigSent;
            res.resume();
          }, pauseMs);
        }
        bytes += chunk.length;
        hash.update(chunk);
      });
      const code = res.headers["x-rrc-code"];
      res.on("end", () =>
        done({ status: res.statusCode!, code, sha: hash.digest("hex"), bytes, sentAtResume }),
      );
    }).on("error", (error) => done({ status: -1, code: String(error), sha: "", bytes, sentAtResume }));
  });
}

async function upstreamClosed(ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (endless.closed) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return endless.closed;
}

describe("streaming through the gateway", () => {
  it("passes 16 MiB through intact while the caller reads slowly", async () => {
    const result = await fetchBig(300);
    expect(result).toMatchObject({ status: 200, code: "access-granted", bytes: BIG.length, sha: BIG_SHA });
    // The pause reached the upstream: socket buffers on loopback hold a few MiB (about 9 MiB
    // were sent here), whereas a gateway buffering without limit takes all 16 MiB at once.
    expect(result.sentAtResume).toBeGreaterThan(0);
    expect(result.sentAtResume).toBeLessThan(BIG.length);
  });

  it("stops the upstream request when the caller goes away", async () => {
    const chunks = await within<number>(10_000, "GET /endless", (done) => {
      let seen = 0;
      get("/endless", (res, req) => {
        res.on("data", () => {
          if (++seen === 4) {
            req.destroy();
            done(seen);
          }
        });
      }).on("error", () => undefined);
    });
    expect(chunks).toBe(4);
    expect(endless.closed).toBe(false);
    expect(await upstreamClosed(5_000)).toBe(true);
  });

  it("stops the upstream request when the caller goes away while the gateway waits for it to drain", async () => {
    await within<void>(15_000, "GET /endless?fast=1", (done) => {
      get("/endless?fast=1", (res, req) => {
        res.once("data", () => {
          res.pause();
          // Wait until the whole path is full and the upstream itself is held back.
          const check = setInterval(() => {
            if (endless.stalledSince !== null && Date.now() - endless.stalledSince > 300) {
              clearInterval(check);
              req.destroy();
              done();
            }
          }, 25);
          timers.add(check);
        });
      }).on("error", () => undefined);
    });
    expect(endless.closed).toBe(false);
    expect(await upstreamClosed(5_000)).toBe(true);
  });

  it("cuts the caller's connection when the upstream fails mid-body, then keeps serving", async () => {
    const cut = await within<Cut>(10_000, "GET /cut", (done) => {
      let bytes = 0;
      get("/cut", (res) => {
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on("error", () => undefined);
        res.on("close", () => done({ status: res.statusCode!, bytes, complete: res.complete }));
      }).on("error", () => done({ status: -1, bytes, complete: false }));
    });
    // Headers had gone out, so the failure shows as a cut connection: never a complete body.
    expect(cut).toMatchObject({ status: 200, complete: false });
    expect(cut.bytes).toBeLessThanOrEqual(1000);
    expect(gateway.child.exitCode).toBe(null);
    const after = await fetchBig(0);
    expect(after).toMatchObject({ status: 200, code: "access-granted", bytes: BIG.length, sha: BIG_SHA });
  });
});
