// Gateway metrics (SPEC §10) on a registry of their own, so an embedding process's global
// registry is neither polluted nor exported by the admin port. Label values are policy ids
// (proxy, credential, scope, rule, meter) and codes, all bounded by the bundle; never request data.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Stands in for a null label: Prometheus has no null, and "" would read as "label absent". */
const NONE = "none";

// A compiled decision takes microseconds; buckets from 1 µs to 10 ms, roughly 1-2.5-5 per decade.
const DECISION_BUCKETS = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2,
];
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry: Registry;
  private readonly decisions: Counter<"proxy" | "credential" | "verdict" | "scope" | "code">;
  private readonly ruleHits: Counter<"proxy" | "scope" | "rule">;
  private readonly decisionDuration: Histogram;
  private readonly upstreamDuration: Histogram<"proxy">;
  private readonly upstreamResponses: Counter<"proxy" | "status_class">;
  private readonly meterRejections: Counter<"proxy" | "meter">;
  private readonly meterUsage: Counter<"proxy" | "meter" | "credential">;
  private readonly usageChildren = new Map<string, { inc(): void }>();
  private readonly reloads: Counter<"result">;
  private readonly bundleInfo: Gauge<"revision" | "compiler">;
  private readonly logWaits: Counter<"outcome">;
  private logCounts: LogCounts = NO_LOG;

  constructor() {
    this.registry = new Registry();
    const registers = [this.registry];
    this.decisions = new Counter({
      name: "rrc_decisions_total",
      help: "Access decisions by proxy, credential, verdict, deciding scope and response code.",
      labelNames: ["proxy", "credential", "verdict", "scope", "code"],
      registers,
    });
    this.ruleHits = new Counter({
      name: "rrc_rule_hits_total",
      help: "Decisions made by each rule.",
      labelNames: ["proxy", "scope", "rule"],
      registers,
    });
    this.decisionDuration = new Histogram({
      name: "rrc_decision_duration_seconds",
      help: "Time spent deciding a request, authentication to verdict.",
      buckets: DECISION_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: "rrc_upstream_duration_seconds",
      help: "Time from forwarding a request to the upstream's response headers.",
      labelNames: ["proxy"],
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
    this.upstreamResponses = new Counter({
      name: "rrc_upstream_responses_total",
      help: "Upstream responses by status class; none when the upstream was unreachable or timed out.",
      labelNames: ["proxy", "status_class"],
      registers,
    });
    this.meterRejections = new Counter({
      name: "rrc_meter_rejections_total",
      help: "Requests rejected by a meter (rate limit or quota).",
      labelNames: ["proxy", "meter"],
      registers,
    });
    this.meterUsage = new Counter({
      name: "rrc_meter_requests_total",
      help: "Requests admitted and counted by each meter, per credential (the per-client usage counters).",
      labelNames: ["proxy", "meter", "credential"],
      registers,
    });
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

  private readonly decisionChildren = new Map<string, { inc(): void }>();
  private readonly ruleChildren = new Map<string, { inc(): void }>();

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
    const credentialLabel = credential ?? NONE;
    // prom-client hashes a label object on every call; children are cached by their values
    // instead (label values are policy ids, so the cache is bounded by the policy).
    const key = `${proxy}\u0000${credentialLabel}\u0000${verdict}\u0000${scopeLabel}\u0000${code}`;
    let decisions = this.decisionChildren.get(key);
    if (!decisions) {
      decisions = this.decisions.labels(proxy, credentialLabel, verdict, scopeLabel, code);
      this.decisionChildren.set(key, decisions);
    }
    decisions.inc();
    if (rule !== null) {
      const ruleKey = `${proxy}\u0000${scopeLabel}\u0000${rule}`;
      let hits = this.ruleChildren.get(ruleKey);
      if (!hits) {
        hits = this.ruleHits.labels(proxy, scopeLabel, rule);
        this.ruleChildren.set(ruleKey, hits);
      }
      hits.inc();
    }
    this.decisionDuration.observe(decisionSeconds);
  }

  /** `status` is null when no response came (unreachable, timed out). */
  upstream(proxy: string, status: number | null, seconds: number): void {
    this.upstreamDuration.observe({ proxy }, seconds);
    this.upstreamResponses.inc({ proxy, status_class: statusClass(status) });
  }

  /** One admitted request counted by `meter`. */
  meterCounted(proxy: string, meter: string, credential: string): void {
    const key = `${proxy}\u0000${meter}\u0000${credential}`;
    let child = this.usageChildren.get(key);
    if (!child) {
      child = this.meterUsage.labels(proxy, meter, credential);
      this.usageChildren.set(key, child);
    }
    child.inc();
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

function statusClass(status: number | null): string {
  if (status === null) return NONE;
  if (status < 100 || status > 599 || !Number.isInteger(status)) return "other";
  return `${Math.floor(status / 100)}xx`;
}
