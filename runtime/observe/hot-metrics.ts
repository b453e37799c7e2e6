// Per-request metrics kept in plain numbers. prom-client validates and hashes labels on every
// inc()/observe(), children included (measured at several µs per request in the gateway
// benchmark); these series are looked up once per label set and read by prom-client only
// when scraped, through the metric interface its Registry calls (`get()`), so exposition
// and cluster aggregation stay prom-client's.
import type { Registry } from "prom-client";

type Labels = Record<string, string | number>;

interface MetricValue {
  readonly labels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "histogram";
  readonly aggregator: "sum";
  readonly values: MetricValue[];
}

abstract class HotMetric<Series> {
  readonly aggregator = "sum";
  protected series: { readonly labels: Labels; readonly data: Series }[] = [];
  /** Label values → series, one Map level per label: no key string is built (or hashed) per call. */
  private index = new Map<string, unknown>();
  /** Consecutive requests mostly share labels: the last label values and their series skip the Maps. */
  private lastValues: readonly string[] | null = null;
  private lastSeries: Series | null = null;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // The Registry calls get() and reset() and reads name, help, type and aggregator.
    registry.registerMetric(this as never);
  }

  /** The series for these label values (in labelNames order), created on first use. */
  child(...values: string[]): Series {
    const lastValues = this.lastValues;
    if (lastValues !== null && sameValues(lastValues, values)) return this.lastSeries!;
    const series = this.find(values);
    this.lastValues = values;
    this.lastSeries = series;
    return series;
  }

  private find(values: readonly string[]): Series {
    let level = this.index;
    const last = values.length - 1;
    for (let depth = 0; depth < last; depth++) {
      let next = level.get(values[depth]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(values[depth]!, next);
      }
      level = next;
    }
    const leaf = last < 0 ? "" : values[last]!;
    const found = level.get(leaf) as Series | undefined;
    if (found !== undefined) return found;
    const labels: Labels = {};
    this.labelNames.forEach((name, index) => {
      labels[name] = values[index]!;
    });
    const data = this.create();
    level.set(leaf, data);
    this.series.push({ labels, data });
    return data;
  }

  /** Drops every series; an unlabelled metric starts again at zero, as prom-client's do. */
  reset(): void {
    this.series = [];
    this.index = new Map();
    this.lastValues = null;
    this.lastSeries = null;
    if (this.labelNames.length === 0) this.child();
  }

  protected abstract create(): Series;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface CounterSeries {
  value: number;
}

export class HotCounter extends HotMetric<CounterSeries> {
  readonly type = "counter";

  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry) {
    super(name, help, labelNames, registry);
    this.reset();
  }

  protected create(): CounterSeries {
    return { value: 0 };
  }

  get(): MetricSnapshot {
    const values = this.series.map(({ labels, data }) => ({
      labels: { ...labels },
      value: data.value,
    }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export interface HistogramSeries {
  /** Per bucket (not cumulative); the last slot counts values above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class HotHistogram extends HotMetric<HistogramSeries> {
  readonly type = "histogram";

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
    this.reset();
  }

  protected create(): HistogramSeries {
    return { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  observe(series: HistogramSeries, value: number): void {
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    series.counts[index]!++;
    series.sum += value;
    series.count++;
  }

  get(): MetricSnapshot {
    const values: MetricValue[] = [];
    for (const { labels, data } of this.series) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += data.counts[index]!;
        values.push({
          labels: { le: bound, ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({
        labels: { le: "+Inf", ...labels },
        value: data.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels: { ...labels }, value: data.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: data.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
