// Meters end to end (SPEC §6): 429 with Retry-After and RateLimit headers, counters that
// survive a restart of `rrc serve`, value meters fed by responses, and two replicas sharing
// a real redis-server exactly — including Redis going away and coming back.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Meter, PolicyDocument } from "../../compiler/authoring/types.ts";
import { type RedisServer, startRedisServer } from "../meter/redis-server.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { digest, KEYS } from "./policy.ts";

const dir = workspace("meters");
let upstream: RecordingUpstream;
let redis: RedisServer;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  redis = await startRedisServer();
});
afterAll(async () => {
  await upstream.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

function meteredPolicy(meters: Meter[]): PolicyDocument {
  return {
    targets: [{ id: "api", url: upstream.url }],
    targetCredentials: [{ id: "none", target: "api", auth: { type: "none" } }],
    proxyCredentials: [
      { id: "reader", auth: { type: "apiKey", keys: [digest(KEYS.reader)] } },
      { id: "writer", auth: { type: "apiKey", keys: [digest(KEYS.writer)] } },
    ],
    proxies: [
      {
        id: "main",
        target: "api",
        targetCredential: "none",
        credentials: ["reader", "writer"],
        default: "allow",
        meters,
      },
    ],
  };
}

async function start(bundle: string, extra: string[] = []): Promise<ServeProcess> {
  const started = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none", ...extra]);
  if (!isRunning(started)) throw new Error(started.stderr);
  return started;
}

async function get(gateway: ServeProcess, path: string, key = KEYS.reader) {
  const response = await request(`${gateway.url}${path}`, { headers: { "x-api-key": key } });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

/** Waits until at least `margin` ms remain in the current UTC minute, so a test's counts
 * cannot straddle two minute windows. */
async function awayFromMinuteEnd(margin = 15_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < margin) await new Promise((resolve) => setTimeout(resolve, left + 200));
}

describe("embedded store", () => {
  it("rejects with 429, Retry-After and RateLimit headers once a limit is reached, per credential", async () => {
    await awayFromMinuteEnd();
    const bundle = await buildPolicy(
      meteredPolicy([{ id: "per-caller", per: "credential", limits: { minute: 3 } }]),
      dir,
      "m1",
    );
    const gateway = await start(bundle, ["--admin-port", "0"]);
    try {
      const before = upstream.requests.length;
      const admitted = [];
      for (let index = 0; index < 3; index++) admitted.push(await get(gateway, "/main/echo"));
      for (const response of admitted) {
        expect(response.status).toBe(200);
        expect(response.headers["ratelimit-policy"]).toBe('"per-caller.minute";q=3;w=60');
      }
      expect(admitted.map((response) => /r=(\d+)/.exec(String(response.headers.ratelimit))?.[1])).toEqual([
        "2",
        "1",
        "0",
      ]);
      const rejected = await get(gateway, "/main/echo");
      expect(rejected.status).toBe(429);
      expect(rejected.headers["x-rrc-code"]).toBe("rate-limited");
      expect(Number(rejected.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(rejected.headers["retry-after"])).toBeLessThanOrEqual(60);
      expect(rejected.headers.ratelimit).toMatch(/"per-caller.minute";r=0;t=\d+/);
      expect(JSON.parse(rejected.text)).toMatchObject({ code: "rate-limited", status: 429 });
      expect(upstream.requests.length - before).toBe(3);
      // Another credential has its own counter.
      expect((await get(gateway, "/main/echo", KEYS.writer)).status).toBe(200);
      const metrics = await (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
      expect(metrics).toContain(
        'rrc_meter_requests_total{proxy="main",meter="per-caller",credential="reader"} 3',
      );
      expect(metrics).toContain(
        'rrc_meter_requests_total{proxy="main",meter="per-caller",credential="writer"} 1',
      );
      expect(metrics).toContain('rrc_meter_rejections_total{proxy="main",meter="per-caller"} 1');
    } finally {
      await gateway.stop();
    }
  });

  it("keeps day and month counts across a restart", async () => {
    const stateDir = mkdtempSync(join(dir, "state-"));
    const policy = meteredPolicy([{ id: "quota", limits: { day: 5, month: 5 } }]);
    const bundle = await buildPolicy(policy, dir, "m2");
    const first = await start(bundle, ["--meter-state-dir", stateDir]);
    for (let index = 0; index < 3; index++) expect((await get(first, "/main/echo")).status).toBe(200);
    expect(await first.stop()).toBe(0);
    const second = await start(bundle, ["--meter-state-dir", stateDir]);
    try {
      const statuses = [];
      for (let index = 0; index < 3; index++) statuses.push((await get(second, "/main/echo")).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await second.stop();
    }
  });

  it("adds response values to value meters and blocks once over the quota", async () => {
    const bundle = await buildPolicy(
      meteredPolicy([
        { id: "tokens", per: "credential", value: "$.usage.total_tokens", limits: { day: 100 } },
      ]),
      dir,
      "m3",
    );
    const gateway = await start(bundle);
    try {
      // The echo upstream answers {"method","url","body"}: no usage yet, so nothing is added.
      expect((await get(gateway, "/main/echo")).status).toBe(200);
      // /usage/<n> answers {"usage":{"total_tokens":n}}.
      expect((await get(gateway, "/main/usage/60")).status).toBe(200);
      expect((await get(gateway, "/main/usage/60")).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const blocked = await get(gateway, "/main/echo");
      expect(blocked.status).toBe(429);
      expect(blocked.headers["x-rrc-code"]).toBe("rate-limited");
      expect((await get(gateway, "/main/echo", KEYS.writer)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});

describe("redis store", () => {
  it("two replicas share exact counts: 500 concurrent requests, a limit of 100 per minute", async () => {
    await awayFromMinuteEnd(40_000);
    const bundle = await buildPolicy(meteredPolicy([{ id: "shared", limits: { minute: 100 } }]), dir, "r1");
    const replicas = [
      await start(bundle, ["--meter-store", redis.url]),
      await start(bundle, ["--meter-store", redis.url]),
    ];
    try {
      const before = upstream.requests.length;
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, index) => get(replicas[index % 2]!, `/main/echo/${index}`)),
      );
      const admitted = results.filter((result) => result.status === 200);
      const rejected = results.filter((result) => result.status === 429);
      expect(admitted).toHaveLength(100);
      expect(rejected).toHaveLength(400);
      for (const result of rejected) expect(Number(result.headers["retry-after"])).toBeGreaterThan(0);
      expect(upstream.requests.length - before).toBe(100);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });

  it("fails closed with 503 while Redis is down (or open when told), and resumes when it is back", async () => {
    const bundle = await buildPolicy(meteredPolicy([{ id: "outage", limits: { hour: 2 } }]), dir, "r2");
    const closed = await start(bundle, ["--meter-store", redis.url]);
    const open = await start(bundle, ["--meter-store", redis.url, "--meter-fail-open"]);
    try {
      expect((await get(closed, "/main/echo")).status).toBe(200);
      await redis.stop();
      const down = await get(closed, "/main/echo");
      expect(down.status).toBe(503);
      expect(down.headers["x-rrc-code"]).toBe("meter-store-unavailable");
      expect((await get(open, "/main/echo")).status).toBe(200);
      await redis.restart();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const statuses = [];
      for (let index = 0; index < 3; index++) statuses.push((await get(closed, "/main/echo")).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await closed.stop();
      await open.stop();
    }
  });
});
