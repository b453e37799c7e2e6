import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { GatewayMetrics } from "../../runtime/observe/metrics.ts";

/** The value of the sample `name` whose labels include `labels` (in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

describe("GatewayMetrics", () => {
  it("counts decisions by proxy, credential, verdict, scope and code, with none for null", async () => {
    const metrics = new GatewayMetrics();
    metrics.decision("billing", "ci-bot", "allow", "billing", "access-granted", "read-invoices", 4e-6);
    metrics.decision("billing", "ci-bot", "allow", "billing", "access-granted", "read-invoices", 6e-6);
    metrics.decision("billing", null, "deny", null, "unauthenticated", null, 2e-6);
    const text = await metrics.metrics();
    const granted = { proxy: "billing", credential: "ci-bot", verdict: "allow", scope: "billing" };
    expect(sample(text, "rrc_decisions_total", { ...granted, code: "access-granted" })).toBe(2);
    const refused = { proxy: "billing", credential: "none", verdict: "deny", scope: "none" };
    expect(sample(text, "rrc_decisions_total", { ...refused, code: "unauthenticated" })).toBe(1);
    expect(
      sample(text, "rrc_rule_hits_total", { proxy: "billing", scope: "billing", rule: "read-invoices" }),
    ).toBe(2);
    expect(sample(text, "rrc_rule_hits_total", { rule: "none" })).toBeUndefined();
    expect(sample(text, "rrc_decision_duration_seconds_count")).toBe(3);
    expect(sample(text, "rrc_decision_duration_seconds_bucket", { le: "0.000001" })).toBe(0);
    expect(sample(text, "rrc_decision_duration_seconds_bucket", { le: "0.000005" })).toBe(2);
    expect(sample(text, "rrc_decision_duration_seconds_bucket", { le: "0.01" })).toBe(3);
  });

  it("records upstream latency and responses by status class", async () => {
    const metrics = new GatewayMetrics();
    metrics.upstream("billing", 200, 0.02);
    metrics.upstream("billing", 204, 0.03);
    metrics.upstream("billing", 503, 0.5);
    metrics.upstream("billing", null, 30);
    const text = await metrics.metrics();
    expect(sample(text, "rrc_upstream_responses_total", { proxy: "billing", status_class: "2xx" })).toBe(2);
    expect(sample(text, "rrc_upstream_responses_total", { proxy: "billing", status_class: "5xx" })).toBe(1);
    expect(sample(text, "rrc_upstream_responses_total", { proxy: "billing", status_class: "none" })).toBe(1);
    expect(sample(text, "rrc_upstream_duration_seconds_count", { proxy: "billing" })).toBe(4);
    expect(sample(text, "rrc_upstream_duration_seconds_bucket", { proxy: "billing", le: "0.025" })).toBe(1);
  });

  it("counts meter rejections and reloads, both reload series present from the start", async () => {
    const metrics = new GatewayMetrics();
    expect(sample(await metrics.metrics(), "rrc_reloads_total", { result: "failed" })).toBe(0);
    metrics.meterRejection("billing", "per-credential");
    metrics.reload(true);
    metrics.reload(true);
    metrics.reload(false);
    const text = await metrics.metrics();
    expect(sample(text, "rrc_meter_rejections_total", { proxy: "billing", meter: "per-credential" })).toBe(1);
    expect(sample(text, "rrc_reloads_total", { result: "ok" })).toBe(2);
    expect(sample(text, "rrc_reloads_total", { result: "failed" })).toBe(1);
  });

  it("reads the dropped log records on each scrape", async () => {
    const metrics = new GatewayMetrics();
    expect(sample(await metrics.metrics(), "rrc_decision_log_dropped_total")).toBe(0);
    let dropped = 7;
    metrics.setDroppedLogRecords(() => dropped);
    expect(sample(await metrics.metrics(), "rrc_decision_log_dropped_total")).toBe(7);
    dropped = 9;
    expect(sample(await metrics.metrics(), "rrc_decision_log_dropped_total")).toBe(9);
  });

  it("reports only the loaded bundle", async () => {
    const metrics = new GatewayMetrics();
    metrics.setBundleInfo("rev-1", "0.1.0");
    metrics.setBundleInfo("rev-2", "0.1.0");
    const text = await metrics.metrics();
    expect(sample(text, "rrc_bundle_info", { revision: "rev-2", compiler: "0.1.0" })).toBe(1);
    expect(sample(text, "rrc_bundle_info", { revision: "rev-1" })).toBeUndefined();
  });

  it("keeps to its own registry", async () => {
    const metrics = new GatewayMetrics();
    new GatewayMetrics(); // a second instance does not clash over metric names
    expect(metrics.registry).not.toBe(globalRegistry);
    expect(globalRegistry.getSingleMetric("rrc_decisions_total")).toBeUndefined();
    expect(metrics.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
