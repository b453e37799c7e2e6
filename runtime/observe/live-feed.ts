// The dashboard's live feed: decisions as Server-Sent Events (WHATWG HTML §9.2) on the admin
// port. The gateway only calls publish(), which keeps three totals and a ring of recent
// records and, with nobody watching, returns. Each event is serialised once for all
// clients. A client whose socket is full gets a bounded queue of its own (oldest events
// dropped first, counted and reported to it), and one stuck for too long is cut off: a slow
// browser costs the gateway a fixed amount of memory and nothing else.
import type { ServerResponse } from "node:http";
import { Counter, Gauge, type Registry } from "prom-client";
import type { DecisionRecord } from "./decision-record.ts";

export interface FeedOptions {
  /** Events queued for one client whose socket is full. Default 256. */
  readonly maxQueued?: number;
  /** Concurrent clients; more are refused with 503. Default 16. */
  readonly maxClients?: number;
  /** Recent decisions a new client starts with. Default 50. */
  readonly history?: number;
  /** Comment lines keeping idle connections open, and the check for stuck clients. Default 15 s. */
  readonly heartbeatMs?: number;
  /** A client that has not drained its socket for this long is disconnected. Default 30 s. */
  readonly stuckMs?: number;
}

/** What the dashboard shows besides decisions: the loaded bundle and its access matrix. */
export type SnapshotSource = () => { readonly revision: string; readonly matrix: unknown };

/** The fields of a record the dashboard shows: no meter state, no request id. */
function feedEvent(record: DecisionRecord) {
  return {
    time: record.time,
    proxy: record.proxy,
    credential: record.credential,
    method: record.method,
    path: record.path.length > 300 ? `${record.path.slice(0, 300)}…` : record.path,
    verdict: record.verdict,
    status: record.status,
    code: record.code,
    scope: record.scope,
    rule: record.rule,
    decisionUs: record.decisionUs,
    totalMs: record.totalMs,
    shadow: record.shadow ?? null,
  };
}

class FeedClient {
  private readonly queue: string[] = [];
  /** Since when the socket has been full (0: it is not). */
  blockedSince = 0;
  private skipped = 0;

  constructor(
    readonly response: ServerResponse,
    private readonly maxQueued: number,
    private readonly onDrop: () => void,
  ) {
    response.on("drain", this.onDrain);
  }

  push(data: string): void {
    if (this.blockedSince === 0) {
      if (!this.response.write(data)) this.blockedSince = Date.now();
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.skipped++;
      this.onDrop();
    }
    this.queue.push(data);
  }

  private readonly onDrain = (): void => {
    this.blockedSince = 0;
    if (this.skipped > 0) {
      this.queue.unshift(`event: skipped\ndata: ${JSON.stringify({ count: this.skipped })}\n\n`);
      this.skipped = 0;
    }
    while (this.queue.length > 0) {
      if (!this.response.write(this.queue.shift()!)) {
        this.blockedSince = Date.now();
        return;
      }
    }
  };
}

export class LiveFeed {
  private readonly clients = new Set<FeedClient>();
  private readonly maxQueued: number;
  private readonly maxClients: number;
  private readonly stuckMs: number;
  private readonly recent: (DecisionRecord | undefined)[];
  private next = 0;
  private allowed = 0;
  private denied = 0;
  private decided = 0;
  private decisionUsSum = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly clientGauge: Gauge;
  private readonly droppedEvents: Counter;
  private snapshotSource: SnapshotSource = () => ({ revision: "", matrix: null });

  constructor(registry: Registry, options: FeedOptions = {}) {
    this.maxQueued = Math.max(1, options.maxQueued ?? 256);
    this.maxClients = Math.max(1, options.maxClients ?? 16);
    this.stuckMs = options.stuckMs ?? 30_000;
    this.recent = new Array(Math.max(1, options.history ?? 50));
    this.heartbeat = setInterval(this.beat, options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    this.clientGauge = new Gauge({
      name: "rrc_dashboard_clients",
      help: "Dashboards connected to the live feed.",
      registers: [registry],
    });
    this.droppedEvents = new Counter({
      name: "rrc_dashboard_events_dropped_total",
      help: "Live-feed events a slow dashboard did not receive (its queue was full).",
      registers: [registry],
    });
  }

  setSnapshotSource(source: SnapshotSource): void {
    this.snapshotSource = source;
  }

  /** Called by the log stage for every request. */
  publish(record: DecisionRecord): void {
    if (record.verdict === "allow") this.allowed++;
    else this.denied++;
    if (record.decisionUs > 0) {
      this.decided++;
      this.decisionUsSum += record.decisionUs;
    }
    this.recent[this.next] = record;
    this.next = (this.next + 1) % this.recent.length;
    if (this.clients.size === 0) return;
    const data = `event: decision\ndata: ${JSON.stringify({ ...feedEvent(record), totals: this.totals() })}\n\n`;
    for (const client of this.clients) client.push(data);
  }

  /** A bundle was (re)loaded: every client gets the new matrix. */
  reloaded(): void {
    if (this.clients.size === 0) return;
    const data = this.snapshotEvent(false);
    for (const client of this.clients) client.push(data);
  }

  /** Serves one `GET /events` stream until the client goes away. */
  attach(response: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      response.writeHead(503, { "content-type": "text/plain", "retry-after": "5" });
      response.end("too many live-feed clients\n");
      return;
    }
    const snapshot = this.snapshotEvent(true); // first: if it throws, the admin port answers 500
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Proxies in front of the admin port must not buffer the stream.
      "x-accel-buffering": "no",
    });
    response.write(`retry: 2000\n\n${snapshot}`);
    const client = new FeedClient(response, this.maxQueued, () => this.droppedEvents.inc());
    this.clients.add(client);
    this.clientGauge.set(this.clients.size);
    response.once("close", () => {
      this.clients.delete(client);
      this.clientGauge.set(this.clients.size);
    });
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.response.end();
  }

  private totals() {
    const average = this.decided === 0 ? 0 : this.decisionUsSum / this.decided;
    return {
      allowed: this.allowed,
      denied: this.denied,
      avgDecisionUs: Math.round(average * 1000) / 1000,
    };
  }

  private snapshotEvent(withHistory: boolean): string {
    const { revision, matrix } = this.snapshotSource();
    const recent: ReturnType<typeof feedEvent>[] = [];
    if (withHistory) {
      for (let n = 0; n < this.recent.length; n++) {
        const record = this.recent[(this.next + n) % this.recent.length];
        if (record !== undefined) recent.push(feedEvent(record));
      }
    }
    const snapshot = { revision, matrix, totals: this.totals(), recent };
    return `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
  }

  private readonly beat = (): void => {
    const now = Date.now();
    for (const client of this.clients) {
      if (client.blockedSince !== 0 && now - client.blockedSince > this.stuckMs) client.response.destroy();
      else client.push(": keep-alive\n\n");
    }
  };
}
