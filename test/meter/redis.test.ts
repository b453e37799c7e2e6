// The Redis store against a real redis-server: exact counts shared by two replicas, windows on the
// server clock, Lua month arithmetic, outage and recovery without restarting the gateway.
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Meter } from "../../compiler/authoring/types.ts";
import {
  createMeterStore,
  type MeterStore,
  MeterStoreUnavailable,
  Meters,
} from "../../runtime/meter/index.ts";
import { EXPIRY_SLACK_MS, LUA_WINDOWS } from "../../runtime/meter/redis-scripts.ts";
import { WINDOWS, windowBounds } from "../../runtime/meter/windows.ts";
import { type RedisServer, startRedisServer } from "./redis-server.ts";
import { header, policy, request, tempDir } from "./support.ts";

let server: RedisServer;
let admin: Redis;
const stores: MeterStore[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  admin.on("error", () => {});
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  admin?.disconnect();
  await server?.stop();
});

async function store(): Promise<MeterStore> {
  const opened = await createMeterStore({ url: server.url, stateDir: tempDir(), onError: () => {} });
  stores.push(opened);
  return opened;
}

/** The Redis server's clock, in seconds. */
async function serverSeconds(): Promise<number> {
  const [seconds] = await admin.time();
  return Number(seconds);
}

/** Waits until the server clock is at least `margin` seconds away from the next minute boundary. */
async function awayFromMinuteEnd(margin = 3): Promise<void> {
  const seconds = await serverSeconds();
  if (60 - (seconds % 60) <= margin) await new Promise((resolve) => setTimeout(resolve, (margin + 1) * 1000));
}

let unique = 0;
function meterPolicy(meters: readonly Meter[]) {
  const proxy = `p${++unique}`;
  return { proxy, document: policy({ [proxy]: meters }) };
}

describe("redis store", () => {
  it("gives two replicas exactly the limit between them, with no double counting", async () => {
    const { proxy, document } = meterPolicy([{ id: "rate", limits: { minute: 100 } }, { id: "usage" }]);
    const replicas = [new Meters(document, await store()), new Meters(document, await store())];
    await awayFromMinuteEnd();
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => replicas[i % 2]!.admit(request({ proxy, credential: `c${i}` }))),
    );
    const admitted = results.filter((r) => r!.admitted);
    const rejected = results.filter((r) => !r!.admitted);
    expect(admitted).toHaveLength(100);
    expect(rejected).toHaveLength(400);
    for (const r of rejected) expect(Number(header(r, "retry-after"))).toBeGreaterThan(0);
    const [rate] = await admin.keys(`rrc:meter:${proxy}:rate:*:minute:*`);
    const usage = await admin.keys(`rrc:meter:${proxy}:usage:*`);
    expect(await admin.get(rate!)).toBe("100");
    expect(usage).toHaveLength(4);
    for (const key of usage) expect(await admin.get(key)).toBe("100"); // admitted requests only
  });

  it("times out instead of waiting on a Redis that does not answer", async () => {
    const { proxy, document } = meterPolicy([{ id: "r", limits: { minute: 5 } }]);
    const m = new Meters(document, await store());
    await admin.client("PAUSE", 1_000, "ALL");
    const started = Date.now();
    await expect(m.admit(request({ proxy }))).rejects.toBeInstanceOf(MeterStoreUnavailable);
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  it("keys windows by the Redis server clock and expires them after the window", async () => {
    const { proxy, document } = meterPolicy([
      { id: "r", per: "credential", limits: { minute: 5, month: 50 } },
    ]);
    await awayFromMinuteEnd();
    const before = await serverSeconds();
    await new Meters(document, await store()).admit(request({ proxy }));
    const minuteStart = before - (before % 60);
    const monthStart = windowBounds("month", before * 1000).start / 1000;
    const keys = (await admin.keys(`rrc:meter:${proxy}:*`)).sort();
    expect(keys).toEqual([
      `rrc:meter:${proxy}:r:alice:minute:${minuteStart}`,
      `rrc:meter:${proxy}:r:alice:month:${monthStart}`,
    ]);
    const expiresAt = await admin.pexpiretime(keys[0]!);
    expect(expiresAt).toBe((minuteStart + 60) * 1000 + EXPIRY_SLACK_MS);
  });

  it("computes the same calendar windows in Lua as in TypeScript", async () => {
    const script = `${LUA_WINDOWS}\nlocal s, e = bounds(ARGV[1], tonumber(ARGV[2]))\nreturn { s, e }`;
    const edges = [
      "2024-01-31T23:59:59Z",
      "2024-02-29T12:00:00Z",
      "2023-12-31T23:59:59Z",
      "2100-02-28T23:59:59Z",
    ];
    const samples = [...edges.map((iso) => Date.parse(iso) / 1000), 0, 951_782_400];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (seconds) => {
        samples.push(seconds);
      }),
      { numRuns: 200 },
    );
    for (const seconds of samples) {
      for (const window of WINDOWS) {
        const reply = (await admin.eval(script, 0, window, seconds)) as [number, number];
        const { start, end } = windowBounds(window, seconds * 1000);
        expect(reply, `${window} at ${new Date(seconds * 1000).toISOString()}`).toEqual([
          start / 1000,
          end / 1000,
        ]);
      }
    }
  });

  it("adds value meters' numbers on the server", async () => {
    const { proxy, document } = meterPolicy([{ id: "tokens", value: "$.usage.total", limits: { day: 10 } }]);
    const m = new Meters(document, await store());
    await (await m.admit(request({ proxy })))!.settle({ usage: { total: 2.5 } });
    await (await m.admit(request({ proxy })))!.settle({ usage: { total: 8 } });
    const over = (await m.admit(request({ proxy })))!;
    expect(over.admitted).toBe(false);
    expect(over.state).toEqual({ tokens: { day: "10.5/10" } });
  });

  it("fails fast while Redis is down, fails open on request, and recovers on its own", async () => {
    const { proxy, document } = meterPolicy([{ id: "r", limits: { hour: 2 } }]);
    const shared = await store();
    const closed = new Meters(document, shared);
    const open = new Meters(document, shared, { failOpen: true });
    expect((await closed.admit(request({ proxy })))!.admitted).toBe(true);

    await server.stop();
    const started = Date.now();
    await expect(closed.admit(request({ proxy }))).rejects.toBeInstanceOf(MeterStoreUnavailable);
    expect(Date.now() - started).toBeLessThan(2_000);
    const admitted = (await open.admit(request({ proxy })))!;
    expect(admitted).toMatchObject({ admitted: true, headers: [] });

    await server.restart(); // empty: --save '' keeps nothing
    const deadline = Date.now() + 10_000;
    let result = null;
    while (result === null && Date.now() < deadline) {
      result = await Promise.resolve(closed.admit(request({ proxy }))).catch(() => null);
      if (result === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(result?.admitted).toBe(true);
    expect((await closed.admit(request({ proxy })))!.admitted).toBe(true);
    expect((await closed.admit(request({ proxy })))!.admitted).toBe(false);
  });
});
