// Per-request meter overhead (SPEC §6): `Meters.admit()` with the embedded store and with
// Redis on loopback (a redis-server this benchmark starts and stops), tinybench, one run.
// Run with `npm run bench:meter`.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import type { PolicyDocument } from "../compiler/authoring/types.ts";
import { createMeterStore, Meters } from "../runtime/meter/index.ts";
import { startRedisServer } from "../test/meter/redis-server.ts";

const document: PolicyDocument = {
  proxies: [
    {
      id: "api",
      target: "t",
      targetCredential: "tc",
      credentials: ["caller"],
      default: "allow",
      meters: [
        { id: "rate", limits: { minute: 1e9, day: 1e9 } },
        { id: "per-caller", per: "credential", limits: { hour: 1e9 } },
        { id: "usage", per: "credential" },
      ],
    },
  ],
};
const request = { proxy: "api", credential: "caller", method: "GET", canonicalPath: "/v1/items/1" };
const stateDir = mkdtempSync(join(tmpdir(), "rrc-meter-bench-"));
const embedded = new Meters(document, await createMeterStore({ stateDir }));
const bench = new Bench({ time: 1500, warmup: true });
bench.add("embedded store: admit (3 meters, 7 counters)", async () => {
  await embedded.admit(request);
});

const redisAvailable = existsSync("/usr/bin/redis-server");
const redis = redisAvailable ? await startRedisServer() : null;
const redisStore = redis ? await createMeterStore({ url: redis.url, stateDir }) : null;
if (redisStore) {
  const shared = new Meters(document, redisStore);
  bench.add("redis store (loopback): admit (3 meters, 7 counters)", async () => {
    await shared.admit(request);
  });
}
await bench.run();
for (const task of bench.tasks) {
  const result = task.result as { latency?: { mean: number; p99?: number } };
  const mean = (result.latency?.mean ?? Number.NaN) * 1000;
  console.log(`${task.name.padEnd(52)} ${mean.toFixed(1).padStart(8)} µs per request`);
}
if (!redis) console.log("redis-server not installed: the Redis store was not measured");
await redisStore?.close();
await redis?.stop();
rmSync(stateDir, { recursive: true, force: true });
process.exit(0);
