// The decision log's sinks behind a real `rrc serve`: an HTTP collector that goes away and
// comes back, size-based file rotation, and `--log-backpressure block`.
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisionRecordSchema } from "../../runtime/observe/decision-log.ts";
import { gatewayPolicy, KEYS, UPSTREAM_TOKEN } from "../gateway/policy.ts";
import { buildPolicy, closedPort, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { type Collector, startCollector } from "./collector.ts";

const validate = new Ajv2020Module.default({ strict: true }).compile(decisionRecordSchema);
const dir = workspace("serve-log");
let upstream: RecordingUpstream;
let bundle: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  bundle = await buildPolicy(gatewayPolicy(upstream.url, `http://127.0.0.1:${await closedPort()}`), dir);
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(args: string[]): Promise<ServeProcess> {
  const started = await spawnServe(["--bundle", bundle, "--admin-port", "0", ...args], {
    RRC_TEST_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
  });
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  return started;
}

/** Sends one request and returns its status and request id. */
async function get(
  gateway: ServeProcess,
  path: string,
): Promise<{ status: number; id: string; code: string }> {
  const response = await request(`${gateway.url}${path}`, { headers: { "x-api-key": KEYS.reader } });
  await response.body.dump();
  return {
    status: response.statusCode,
    id: String(response.headers["x-request-id"]),
    code: String(response.headers["x-rrc-code"]),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function metric(gateway: ServeProcess, line: RegExp): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
  const match = line.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

const ids = (lines: readonly string[]) =>
  lines.map((line) => (JSON.parse(line) as { requestId: string }).requestId);

describe("--log http://…", () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(() => collector.close());

  it("ships every record, in order, across a collector outage", async () => {
    const gateway = await serve(["--log", collector.url, "--log-retry-max", "100"]);
    const sent: string[] = [];
    try {
      for (let n = 0; n < 10; n++) sent.push((await get(gateway, `/main/echo/${n}`)).id);
      sent.push((await get(gateway, "/main/admin/x")).id); // denied requests are logged too
      await until(() => collector.lines.length === 11, "the first records");
      await collector.down();
      for (let n = 0; n < 10; n++) sent.push((await get(gateway, `/main/echo/down-${n}`)).id);
      await new Promise((resolve) => setTimeout(resolve, 300)); // retries against a closed port
      await collector.up();
      await until(() => collector.lines.length === 21, "the records held during the outage");
      expect(ids(collector.lines)).toEqual(sent);
      for (const line of collector.lines) expect(validate(JSON.parse(line)), line).toBe(true);
      expect(JSON.parse(collector.lines[10]!)).toMatchObject({ verdict: "deny", rule: "no-admin" });
      expect(await metric(gateway, /^rrc_decision_log_retries_total (\d+)/m)).toBeGreaterThan(0);
      expect(await metric(gateway, /^rrc_decision_log_dropped_total (\d+)/m)).toBe(0);
      expect(await metric(gateway, /^rrc_decision_log_written_total (\d+)/m)).toBe(21);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it("with --log-backpressure block, makes requests wait for room, and refuses after --log-block-timeout", async () => {
    await collector.down();
    const before = collector.lines.length;
    const gateway = await serve([
      "--log",
      collector.url,
      "--log-retry-max",
      "100",
      "--log-buffer",
      "2",
      "--log-backpressure",
      "block",
      "--log-block-timeout",
      "1000",
    ]);
    try {
      const first = await get(gateway, "/main/echo/block-1");
      await new Promise((resolve) => setTimeout(resolve, 200)); // its batch is in flight, retrying
      const second = await get(gateway, "/main/echo/block-2");
      const third = await get(gateway, "/main/echo/block-3"); // the buffer (2) is full now
      const started = Date.now();
      const refused = await get(gateway, "/main/echo/block-4");
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect([refused.status, refused.code]).toEqual([503, "log-unavailable"]);
      const waiting = get(gateway, "/main/echo/block-5");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await collector.up();
      const admitted = await waiting;
      expect([first, second, third, admitted].map((sent) => sent.status)).toEqual([200, 200, 200, 200]);
      expect(upstream.requests.some((seen) => seen.url === "/echo/block-4")).toBe(false); // never forwarded
      await until(() => collector.lines.length === before + 4, "the admitted requests' records");
      expect(ids(collector.lines.slice(before))).toEqual([first.id, second.id, third.id, admitted.id]);
      expect(await metric(gateway, /^rrc_decision_log_waits_total\{outcome="refused"\} (\d+)/m)).toBe(1);
      expect(await metric(gateway, /^rrc_decision_log_waits_total\{outcome="admitted"\} (\d+)/m)).toBe(1);
      expect(await metric(gateway, /^rrc_decision_log_dropped_total (\d+)/m)).toBe(0);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});

describe("--log file:… --log-max-bytes --log-keep", () => {
  it("rotates by size and keeps the newest files, every record whole and in order", async () => {
    const path = join(dir, "decisions.jsonl");
    const gateway = await serve(["--log", `file:${path}`, "--log-max-bytes", "1500", "--log-keep", "2"]);
    const sent: string[] = [];
    try {
      for (let n = 0; n < 40; n++) sent.push((await get(gateway, `/main/echo/${n}`)).id);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    expect(existsSync(`${path}.3`)).toBe(false);
    const files = [`${path}.2`, `${path}.1`, path];
    const kept: string[] = [];
    for (const file of files) {
      expect(statSync(file).size).toBeLessThanOrEqual(1500);
      kept.push(...readFileSync(file, "utf8").split("\n").filter(Boolean));
    }
    for (const line of kept) expect(validate(JSON.parse(line))).toBe(true);
    expect(ids(kept)).toEqual(sent.slice(sent.length - kept.length)); // the newest, in order
    expect(kept.length).toBeGreaterThan(5);
  });
});
