// `rrc serve --workers N`: several processes share the socket; the embedded meter store in
// the primary keeps counts exact across them; reload and shutdown reach every worker;
// metrics on the admin port add up every worker's.
import { rmSync } from "node:fs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument, Rule } from "../../compiler/authoring/types.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, spawnServe } from "../support/serve-process.ts";
import { digest, KEYS } from "./policy.ts";

const dir = workspace("workers");
let upstream: RecordingUpstream;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function policy(extra: Rule[] = []): PolicyDocument {
  return {
    targets: [{ id: "api", url: upstream.url }],
    targetCredentials: [{ id: "none", target: "api", auth: { type: "none" } }],
    proxyCredentials: [{ id: "reader", auth: { type: "apiKey", keys: [digest(KEYS.reader)] } }],
    proxies: [
      {
        id: "main",
        target: "api",
        targetCredential: "none",
        credentials: ["reader"],
        default: "allow",
        rules: extra,
        meters: [{ id: "shared", limits: { hour: 50 } }],
      },
    ],
  };
}

describe("rrc serve --workers 2", () => {
  it("keeps meters exact across workers, reloads every worker, aggregates metrics and stops cleanly", async () => {
    const bundle = await buildPolicy(policy(), dir, "live");
    const started = await spawnServe([
      "--bundle",
      bundle,
      "--admin-port",
      "0",
      "--log",
      "none",
      "--workers",
      "2",
    ]);
    if (!isRunning(started)) throw new Error(started.stderr);
    const gateway = started;
    try {
      expect(gateway.stderr()).toContain("2 workers");
      const get = async (path: string) => {
        const response = await request(`${gateway.url}${path}`, { headers: { "x-api-key": KEYS.reader } });
        await response.body.dump();
        return response.statusCode;
      };
      // The dashboard's live feed is on the primary; decisions come from the workers.
      const events = await request(`http://127.0.0.1:${gateway.adminPort}/events`);
      expect(events.statusCode).toBe(200);
      let streamed = "";
      const sawDecision = new Promise<void>((resolve) => {
        events.body.on("data", (chunk: Buffer) => {
          streamed += chunk.toString("utf8");
          if (streamed.includes("event: decision")) resolve();
        });
      });
      await get("/main/first");
      await sawDecision;
      expect(streamed).toContain("/first");
      events.body.destroy();

      const before = upstream.requests.length;
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, index) => get(`/main/echo/${index}`)),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(49);
      expect(statuses.filter((status) => status === 429)).toHaveLength(151);
      expect(upstream.requests.length - before).toBe(49);

      const metrics = await (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
      const total = [...metrics.matchAll(/^rrc_decisions_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      expect(total).toBe(201);

      await buildPolicy(policy([{ id: "no-legacy", effect: "deny", path: "^/legacy$" }]), dir, "live");
      gateway.child.kill("SIGHUP");
      const started = Date.now();
      while ((gateway.stderr().match(/reloaded revision/g) ?? []).length < 2) {
        if (Date.now() - started > 10_000) throw new Error(`reload not seen: ${gateway.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const afterReload = await Promise.all(Array.from({ length: 20 }, () => get("/main/legacy")));
      expect(new Set(afterReload)).toEqual(new Set([403]));
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
