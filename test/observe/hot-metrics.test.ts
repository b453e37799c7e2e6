import { AggregatorRegistry, Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotCounter, HotHistogram } from "../../runtime/observe/hot-metrics.ts";

const BOUNDS = [0.001, 0.01, 0.1, 1];
const OBSERVED = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 3, 7];

/** The same observations through prom-client and through the hot metrics print the same text. */
describe("hot metrics", () => {
  it("expose exactly what prom-client's Counter and Histogram expose for the same data", async () => {
    const reference = new Registry();
    const counter = new Counter({
      name: "t_total",
      help: "h",
      labelNames: ["a", "b"],
      registers: [reference],
    });
    const histogram = new Histogram({
      name: "t_seconds",
      help: "h",
      labelNames: ["p"],
      buckets: BOUNDS,
      registers: [reference],
    });
    new Histogram({
      name: "t_plain_seconds",
      help: "h",
      buckets: BOUNDS,
      registers: [reference],
    });
    const hot = new Registry();
    const hotCounter = new HotCounter("t_total", "h", ["a", "b"], hot);
    const hotHistogram = new HotHistogram("t_seconds", "h", ["p"], BOUNDS, hot);
    new HotHistogram("t_plain_seconds", "h", [], BOUNDS, hot);

    for (const [a, b] of [
      ["x", "y"],
      ["x", "y"],
      ["x", "z"],
    ] as const) {
      counter.inc({ a, b });
      hotCounter.child(a, b).value++;
    }
    for (const value of OBSERVED) {
      for (const p of ["one", "two"]) {
        histogram.observe({ p }, value);
        hotHistogram.observe(hotHistogram.child(p), value);
      }
    }
    expect(await hot.metrics()).toBe(await reference.metrics());
    expect(await hot.metrics()).toContain('t_seconds_bucket{le="0.01",p="one"} 3');
    expect(await hot.metrics()).toContain("t_plain_seconds_count 0");
  });

  it("add up across cluster workers like prom-client's own metrics", async () => {
    const workers = [new Registry(), new Registry()];
    for (const registry of workers) {
      const counter = new HotCounter("w_total", "h", ["a"], registry);
      counter.child("x").value += 2;
      const histogram = new HotHistogram("w_seconds", "h", [], BOUNDS, registry);
      histogram.observe(histogram.child(), 0.05);
    }
    const merged = await AggregatorRegistry.aggregate(
      await Promise.all(workers.map((registry) => registry.getMetricsAsJSON())),
    ).metrics();
    expect(merged).toContain('w_total{a="x"} 4');
    expect(merged).toContain('w_seconds_bucket{le="0.1"} 2');
    expect(merged).toContain('w_seconds_bucket{le="0.01"} 0');
    expect(merged).toContain("w_seconds_count 2");
  });

  it("count each label set apart when consecutive calls repeat, alternate and follow a reset", async () => {
    const registry = new Registry();
    const counter = new HotCounter("r_total", "h", ["a", "b"], registry);
    const calls: [string, string][] = [
      ["x", "y"],
      ["x", "y"],
      ["x", "yy"],
      ["xy", ""],
      ["x", "y"],
    ];
    for (const [a, b] of calls) counter.child(a, b).value++;
    expect((await registry.getSingleMetric("r_total")!.get()).values).toEqual([
      { labels: { a: "x", b: "y" }, value: 3 },
      { labels: { a: "x", b: "yy" }, value: 1 },
      { labels: { a: "xy", b: "" }, value: 1 },
    ]);
    counter.reset();
    counter.child("x", "y").value++;
    expect((await registry.getSingleMetric("r_total")!.get()).values).toEqual([
      { labels: { a: "x", b: "y" }, value: 1 },
    ]);
  });
});
