// Every metric SPEC §10 asks for, read from the admin port of a real `rrc serve` after real
// traffic: decisions by proxy, credential, verdict and scope; per-rule hits; decision and
// upstream latency histograms; meter rejections; reloads and failed reloads; dropped records.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { gatewayPolicy, KEYS, UPSTREAM_TOKEN } from "../gateway/policy.ts";
import { buildPolicy, closedPort, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";

const dir = workspace("serve-metrics");
let upstream: RecordingUpstream;
let gateway: ServeProcess;
let bundle: string;

/** The gateway tests' policy with a meter: two requests a month to /echo/metered per caller. */
function meteredPolicy(upstreamUrl: string, deadUrl: string): PolicyDocument {
  const policy = gatewayPolicy(upstreamUrl, deadUrl);
  const [main, ...others] = policy.proxies!;
  const meters = [
    { id: "tiny", per: "credential" as const, limits: { month: 2 }, match: { path: "^/echo/metered$" } },
  ];
  return { ...policy, proxies: [{ ...main!, meters }, ...others] };
}

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  const dead = `http://127.0.0.1:${await closedPort()}`;
  bundle = await buildPolicy(meteredPolicy(upstream.url, dead), dir);
  // The log goes to a collector nobody runs, through a two-record buffer: records must drop.
  const started = await spawnServe(
    [
      "--bundle",
      bundle,
      "--admin-port",
      "0",
      "--log",
      dead,
      "--log-buffer",
      "2",
      "--log-retry-max",
      "50",
      "--drain",
      "500",
    ],
    { RRC_TEST_UPSTREAM_TOKEN: UPSTREAM_TOKEN },
  );
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  gateway = started;
});
afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function send(path: string, key: string | null = KEYS.reader, method = "GET"): Promise<number> {
  const headers = key === null ? {} : { "x-api-key": key };
  const response = await request(`${gateway.url}${path}`, { method, headers });
  await response.body.dump();
  return response.statusCode;
}

async function scrape(): Promise<string> {
  return (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
}

/** The value of the sample `name` whose labels include `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

async function waitForStderr(text: string, count: number): Promise<void> {
  const started = Date.now();
  while (gateway.stderr().split(text).length - 1 < count) {
    if (Date.now() - started > 10_000) throw new Error(`never saw ${text}: ${gateway.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("metrics of a real rrc serve", () => {
  it("count decisions, rule hits, latencies, meter rejections, reloads and dropped records", async () => {
    expect(await send("/main/echo/a")).toBe(200);
    expect(await send("/main/echo/b")).toBe(200);
    expect(await send("/main/echo", KEYS.reader, "POST")).toBe(403); // no allow rule: the default
    expect(await send("/main/admin/users")).toBe(403); // rule no-admin
    expect(await send("/main/echo/a", null)).toBe(401);
    expect(await send("/main/echo/a", KEYS.outsider)).toBe(403);
    expect(await send("/nope/echo")).toBe(404);
    expect(await send("/main/echo/metered")).toBe(200);
    expect(await send("/main/echo/metered")).toBe(200);
    expect(await send("/main/echo/metered")).toBe(429);
    expect(await send("/down/anything")).toBe(502);

    gateway.child.kill("SIGHUP");
    await waitForStderr("reloaded revision", 1);
    writeFileSync(join(bundle, "manifest.json"), "{ broken");
    gateway.child.kill("SIGHUP");
    await waitForStderr("reload failed", 1);

    const text = await scrape();
    const reader = { proxy: "main", credential: "reader" };
    expect(
      sample(text, "rrc_decisions_total", {
        ...reader,
        verdict: "allow",
        scope: "proxy",
        code: "access-granted",
      }),
    ).toBe(4); // /echo/a, /echo/b and two metered: the meter's 429 comes after an allow
    expect(
      sample(text, "rrc_decisions_total", {
        ...reader,
        verdict: "deny",
        scope: "proxy",
        code: "default-denied",
      }),
    ).toBe(1);
    expect(sample(text, "rrc_decisions_total", { ...reader, verdict: "deny", code: "rule-denied" })).toBe(1);
    expect(sample(text, "rrc_decisions_total", { ...reader, verdict: "deny", code: "rate-limited" })).toBe(1);
    expect(
      sample(text, "rrc_decisions_total", { proxy: "main", credential: "none", code: "unauthenticated" }),
    ).toBe(1);
    expect(
      sample(text, "rrc_decisions_total", { credential: "outsider", code: "credential-not-accepted" }),
    ).toBe(1);
    expect(sample(text, "rrc_decisions_total", { proxy: "none", code: "unknown-proxy" })).toBe(1);

    expect(sample(text, "rrc_rule_hits_total", { proxy: "main", scope: "proxy", rule: "read" })).toBe(5);
    expect(sample(text, "rrc_rule_hits_total", { proxy: "main", scope: "proxy", rule: "no-admin" })).toBe(1);

    expect(sample(text, "rrc_decision_duration_seconds_count")).toBe(11);
    expect(sample(text, "rrc_decision_duration_seconds_bucket", { le: "0.01" })).toBe(11);
    expect(sample(text, "rrc_upstream_duration_seconds_count", { proxy: "main" })).toBe(4);
    expect(sample(text, "rrc_upstream_duration_seconds_count", { proxy: "down" })).toBe(1);
    expect(sample(text, "rrc_upstream_responses_total", { proxy: "down", status_class: "none" })).toBe(1);

    expect(sample(text, "rrc_meter_rejections_total", { proxy: "main", meter: "tiny" })).toBe(1);
    expect(
      sample(text, "rrc_meter_requests_total", { proxy: "main", meter: "tiny", credential: "reader" }),
    ).toBe(2);

    expect(sample(text, "rrc_reloads_total", { result: "ok" })).toBe(1);
    expect(sample(text, "rrc_reloads_total", { result: "failed" })).toBe(1);

    // 11 records: at most 2 in flight and 2 buffered, the rest dropped and counted.
    const dropped = sample(text, "rrc_decision_log_dropped_total") ?? 0;
    const buffered = sample(text, "rrc_decision_log_buffered") ?? 0;
    expect(dropped).toBeGreaterThanOrEqual(7);
    expect(dropped + buffered).toBe(11);
    expect(sample(text, "rrc_decision_log_written_total")).toBe(0);
    expect(sample(text, "rrc_decision_log_retries_total")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE rrc_decision_log_dropped_total counter");
  });
});
