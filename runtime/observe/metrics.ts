// Gateway metrics (SPEC §10) on a registry of their own, so an embedding process's global
// registry is neither polluted nor exported by the admin port. Label values are policy ids
// (proxy, credential, scope, rule, meter) and codes, all bounded by the bundle; never request data.
import { Counter, Gauge, Registry } from "prom-client";
import { type HistogramSeries, HotCounter, HotHistogram } from "./hot-metrics.ts";

/** Stands in for a null label: Prometheus has no null, and "" would read as "label absent". */
const NONE = "none";

// A compiled decision takes microseconds; buckets from 1 µs to 10 ms, roughly 1-2.5-5 per decade.
const DECISION_BUCKETS = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2,
];
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry: Registry;
  // Per-request series: plain numbers (hot-metrics.ts), read by the registry on scrape.
  private readonly decisions: HotCounter;
  private readonly ruleHits: HotCounter;
  private readonly decisionDuration: HotHistogram;
  private readonly decisionDurationSeries: HistogramSeries;
  private readonly upstreamDuration: HotHistogram;
  private readonly upstreamResponses: HotCounter;
  private readonly meterRejections: Counter<"proxy" | "meter">;
  private readonly meterUsage: HotCounter;
  private readonly reloads: Counter<"result">;
  private readonly bundleInfo: Gauge<"revision" | "compiler">;
  private readonly logWaits: Counter<"outcome">;
  private logCounts: LogCounts = NO_LOG;

  constructor() {
    this.registry = new Registry();
    const registers = [this.registry];
    this.decisions = new HotCounter(
      "rrc_decisions_total",
      "Access decisions by proxy, credential, verdict, deciding scope and response code.",
      ["proxy", "credential", "verdict", "scope", "code"],
      this.registry,
    );
    this.ruleHits = new HotCounter(
      "rrc_rule_hits_total",
      "Decisions made by each rule.",
      ["proxy", "scope", "rule"],
      this.registry,
    );
    this.decisionDuration = new HotHistogram(
      "rrc_decision_duration_seconds",
      "Time spent deciding a request, authentication to verdict.",
      [],
      DECISION_BUCKETS,
      this.registry,
    );
    this.decisionDurationSeries = this.decisionDuration.child();
    this.upstreamDuration = new HotHistogram(
      "rrc_upstream_duration_seconds",
      "Time from forwarding a request to the upstream's response headers.",
      ["proxy"],
      UPSTREAM_BUCKETS,
      this.registry,
    );
    this.upstreamResponses = new HotCounter(
      "rrc_upstream_responses_total",
      "Upstream responses by status class; none when the upstream was unreachable or timed out.",
      ["proxy", "status_class"],
      this.registry,
    );
    this.meterRejections = new Counter({
      name: "rrc_meter_rejections_total",
      help: "Requests rejected by a meter (rate limit or quota).",
      labelNames: ["proxy", "meter"],
      registers,
    });
    this.meterUsage = new HotCounter(
      "rrc_meter_requests_total",
      "Requests admitted and counted by each meter, per credential (the per-client usage counters).",
      ["proxy", "meter", "credential"],
      this.registry,
    );
    this.reloads = new Counter({
      name: "rrc_reloads_total",
      help: "Bundle reloads by result.",
      labelNames: ["result"],
      registers,
    });
    // Both series exist from the start, so an alert on failed reloads sees 0 rather than nothing.
    this.reloads.inc({ result: "ok" }, 0);
    this.reloads.inc({ result: "failed" }, 0);
    // Read on scrape: the log keeps its counts; copying them on every record would be hot-path work.
    const log = (): LogCounts => this.logCounts;
    counterOnScrape(
      registers,
      "rrc_decision_log_dropped_total",
      "Decision log records dropped: buffer full, sink failed or refused them, or closed before delivery.",
      () => log().dropped,
    );
    counterOnScrape(
      registers,
      "rrc_decision_log_written_total",
      "Decision log records the sink took.",
      () => log().written,
    );
    counterOnScrape(
      registers,
      "rrc_decision_log_retries_total",
      "Deliveries of a batch the HTTP sink retried (collector down or failing).",
      () => log().retries,
    );
    new Gauge({
      name: "rrc_decision_log_buffered",
      help: "Decision log records waiting for the sink, the batch in flight included.",
      registers,
      collect() {
        this.set(log().buffered);
      },
    });
    this.logWaits = new Counter({
      name: "rrc_decision_log_waits_total",
      help: "Requests that waited for room in the decision log (--log-backpressure block), by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.bundleInfo = new Gauge({
      name: "rrc_bundle_info",
      help: "The loaded bundle: always 1, labelled with its revision and compiler version.",
      labelNames: ["revision", "compiler"],
      registers,
    });
  }

  decision(
    proxy: string,
    credential: string | null,
    verdict: string,
    scope: string | null,
    code: string,
    rule: string | null,
    decisionSeconds: number,
  ): void {
    const scopeLabel = scope ?? NONE;
    this.decisions.child(proxy, credential ?? NONE, verdict, scopeLabel, code).value++;
    if (rule !== null) this.ruleHits.child(proxy, scopeLabel, rule).value++;
    this.decisionDuration.observe(this.decisionDurationSeries, decisionSeconds);
  }

  /** `status` is null when no response came (unreachable, timed out). */
  upstream(proxy: string, status: number | null, seconds: number): void {
    this.upstreamDuration.observe(this.upstreamDuration.child(proxy), seconds);
    this.upstreamResponses.child(proxy, statusClass(status)).value++;
  }

  /** One admitted request counted by `meter`. */
  meterCounted(proxy: string, meter: string, credential: string): void {
    this.meterUsage.child(proxy, meter, credential).value++;
  }

  meterRejection(proxy: string, meter: string): void {
    this.meterRejections.inc({ proxy, meter });
  }

  reload(ok: boolean): void {
    this.reloads.inc({ result: ok ? "ok" : "failed" });
  }

  /** The decision log whose counts are exported. */
  watchLog(log: LogCounts): void {
    this.logCounts = log;
  }

  /** Kept for hosts that only count drops. */
  setDroppedLogRecords(getter: () => number): void {
    this.logCounts = {
      get dropped() {
        return getter();
      },
      written: 0,
      retries: 0,
      buffered: 0,
    };
  }

  /** A request that had to wait for room in the log: admitted once room appeared, or refused. */
  logWait(outcome: "admitted" | "refused"): void {
    this.logWaits.inc({ outcome });
  }

  /** Replaces the previous bundle's series: only the loaded bundle is reported. */
  setBundleInfo(revision: string, compilerVersion: string): void {
    this.bundleInfo.reset();
    this.bundleInfo.set({ revision, compiler: compilerVersion }, 1);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** What the metrics read from the decision log on each scrape. */
export interface LogCounts {
  readonly dropped: number;
  readonly written: number;
  readonly retries: number;
  readonly buffered: number;
}

const NO_LOG: LogCounts = { dropped: 0, written: 0, retries: 0, buffered: 0 };

/** A counter whose value is read from elsewhere at scrape time (it only ever grows there). */
function counterOnScrape(registers: Registry[], name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];

function statusClass(status: number | null): string {
  if (status === null) return NONE;
  if (status < 100 || status > 599 || !Number.isInteger(status)) return "other";
  return STATUS_CLASSES[Math.floor(status / 100) - 1]!;
}
