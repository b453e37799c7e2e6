// rrc's Gateway.handle and a bare Pool.stream pass-through driven in process, without sockets:
// both are answered by the same fake upstream (an undici Dispatcher that replies at once) and
// write to a client socket that discards bytes. What is left out is the same for both (HTTP
// parsing, the kernel, undici's connection handling), so differences between the two are what
// rrc's stages cost in JavaScript. Used by bench/gateway-js.bench.ts (time per request) and the
// regression gate (heap bytes per request, bench/check/).
import { mkdtempSync, rmSync } from "node:fs";
import { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { Dispatcher } from "undici";
import { loadBundle } from "../runtime/bundle/load.ts";
import { createMeterStore } from "../runtime/meter/index.ts";
import { DecisionLog } from "../runtime/observe/decision-log.ts";
import { GatewayMetrics } from "../runtime/observe/metrics.ts";
import { Gateway } from "../runtime/server/gateway.ts";
import { buildPolicyState } from "../runtime/server/policy-state.ts";
import { BENCH_API_KEY, BENCH_PATH } from "./gateway-policy.ts";
import { writeBenchmarkBundle } from "./gateway-setup.ts";

const BODY = Buffer.from(
  JSON.stringify({ id: "ch_1", amount: 1200, card: { number: "4242424242424242" }, ok: true }),
);
const UPSTREAM_HEADERS = [
  ["content-type", "application/json"],
  ["content-length", String(BODY.length)],
  ["date", new Date().toUTCString()],
  ["connection", "keep-alive"],
  ["keep-alive", "timeout=60"],
].flatMap(([name, value]) => [Buffer.from(name!), Buffer.from(value!)]);
const CLIENT_HEADERS = ["Host", "127.0.0.1:8080", "x-api-key", BENCH_API_KEY];

interface LegacyHandler {
  onConnect?(abort: () => void): void;
  onHeaders(status: number, headers: Buffer[], resume: () => void, text: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[]): void;
}

/** Answers every request on the next microtask with the benchmark upstream's response. */
class InstantUpstream extends Dispatcher {
  override dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const legacy = handler as unknown as LegacyHandler;
    queueMicrotask(() => {
      legacy.onConnect?.(() => {});
      legacy.onHeaders(200, UPSTREAM_HEADERS, () => {}, "OK");
      legacy.onData(BODY);
      legacy.onComplete([]);
    });
    return true;
  }
}

type ParsedRequest = IncomingMessage & { _addHeaderLines(headers: string[], count: number): void };

/** A request as Node's parser would hand it over, and a response whose socket discards bytes. */
function exchange(): { request: IncomingMessage; response: ServerResponse; done: Promise<number> } {
  const socket = new Duplex({
    write: (_chunk, _encoding, callback) => callback(),
    read: () => {},
  });
  const request = new IncomingMessage(socket as never) as ParsedRequest;
  request.method = "GET";
  request.url = BENCH_PATH;
  request.httpVersion = "1.1";
  request.httpVersionMajor = 1;
  request.httpVersionMinor = 1;
  request._addHeaderLines(CLIENT_HEADERS, CLIENT_HEADERS.length);
  request.push(null);
  const response = new ServerResponse(request);
  response.assignSocket(socket as never);
  // Node's server emits 'close' after 'finish'; there is no server here.
  const done = new Promise<number>((resolve) =>
    response.on("finish", () => {
      response.emit("close");
      resolve(response.statusCode);
    }),
  );
  return { request, response, done };
}

/** One exchange; resolves with the status code the client got. */
export type Exchange = () => Promise<number>;

export interface GatewayHarness {
  /** rrc with the full benchmark policy: API key, 100 rules, a meter, a filter, decision log to a file. */
  readonly rrc: Exchange;
  readonly bare: Exchange;
  close(): Promise<void>;
}

export async function createGatewayHarness(): Promise<GatewayHarness> {
  const workspace = mkdtempSync(join(tmpdir(), "rrc-gateway-js-"));
  const upstream = new InstantUpstream();
  process.env.RRC_BENCH_TOKEN = "bench-upstream-token";
  const bundle = await loadBundle(await writeBenchmarkBundle(workspace, "http://127.0.0.1:9"));
  const state = await buildPolicyState(
    bundle,
    { env: process.env, baseDir: workspace },
    { connectMs: 1_000, headersMs: 1_000, bodyMs: 1_000 },
    {
      jwksCooldownMs: 1_000,
      meterStore: await createMeterStore({ stateDir: join(workspace, "meter-state") }),
      meterFailOpen: false,
    },
  );
  for (const proxy of state.proxies.values()) (proxy as { pool: unknown }).pool = upstream;
  const log = new DecisionLog({ kind: "file", path: join(workspace, "decisions.jsonl") });
  const gateway = new Gateway(
    state,
    { log, metrics: new GatewayMetrics() },
    { hideRules: false, filterLimit: 6 << 20 },
  );

  const rrc: Exchange = () => {
    const { request, response, done } = exchange();
    gateway.handle(request, response);
    return done;
  };
  const bare: Exchange = async () => {
    const { request, response, done } = exchange();
    await upstream.stream(
      { path: request.url!, method: "GET", headers: { "x-forwarded-for": "127.0.0.1" } },
      ({ statusCode, headers }) => {
        response.writeHead(statusCode, headers as Record<string, string>);
        return response;
      },
    );
    return done;
  };
  for (const [name, run] of [
    ["rrc", rrc],
    ["bare", bare],
  ] as const) {
    const status = await run();
    if (status !== 200) throw new Error(`${name} answered ${status}`);
  }
  return {
    rrc,
    bare,
    close: async () => {
      await log.close();
      await state.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** `count` exchanges, `concurrent` at a time; resolves with the wall time per exchange in µs. */
export async function runExchanges(run: Exchange, count: number, concurrent: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < count; sent += concurrent) {
    const batch: Promise<number>[] = [];
    for (let index = 0; index < concurrent; index++) batch.push(run());
    await Promise.all(batch);
  }
  return Number(process.hrtime.bigint() - started) / 1_000 / count;
}
