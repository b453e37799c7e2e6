// Decision log test support: records, and Writable sinks: one that collects, one whose
// callbacks wait to be released (a slow disk or a full pipe), one that fails every write.
import { Writable } from "node:stream";
import type { DecisionRecord } from "../../runtime/observe/decision-log.ts";

/** A forwarded request's record; `n` goes into the request id so order can be checked. */
export function allowRecord(n: number): DecisionRecord {
  return {
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)).toISOString(),
    requestId: `req-${n}`,
    proxy: "billing",
    credential: "ci-bot",
    method: "GET",
    path: "/invoices/42",
    verdict: "allow",
    status: 200,
    code: "access-granted",
    scope: "billing",
    rule: "read-invoices",
    meter: { "per-credential": { remaining: 99, resetMs: 1000 } },
    decisionUs: 3.2,
    totalMs: 12.5,
    upstreamStatus: 200,
  };
}

/** A request refused before canonicalisation: the raw path, no proxy or credential known. */
export function refusedRecord(n: number): DecisionRecord {
  return {
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)).toISOString(),
    requestId: `req-${n}`,
    proxy: null,
    credential: null,
    method: "GET",
    path: "/a/../b%2f",
    verdict: "deny",
    status: 400,
    code: "non-canonical-request",
    scope: null,
    rule: null,
    decisionUs: 0.8,
    totalMs: 0.1,
    upstreamStatus: null,
  };
}

export function requestIds(lines: readonly string[]): string[] {
  return lines.map((line) => (JSON.parse(line) as DecisionRecord).requestId);
}

export class CollectingSink extends Writable {
  readonly chunks: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString("utf8"));
    callback();
  }

  get lines(): string[] {
    return this.chunks
      .join("")
      .split("\n")
      .filter((line) => line !== "");
  }
}

export class SlowSink extends Writable {
  readonly chunks: string[] = [];
  private readonly held: (() => void)[] = [];
  private arrived: (() => void) | null = null;
  private releaseAll = false;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString("utf8"));
    if (this.releaseAll) setImmediate(callback);
    else this.held.push(() => callback());
    this.arrived?.();
    this.arrived = null;
  }

  /** Resolves once `count` chunks have reached the sink. */
  async chunksReceived(count: number): Promise<void> {
    while (this.chunks.length < count) {
      await new Promise<void>((resolve) => {
        this.arrived = resolve;
      });
    }
  }

  /** Confirms the oldest held write. */
  releaseOne(): void {
    const callback = this.held.shift();
    if (callback === undefined) throw new Error("no write is held");
    callback();
  }

  /** Confirms what is held and every later write (slowly: on the next turn). */
  drainFromNowOn(): void {
    this.releaseAll = true;
    for (const callback of this.held.splice(0)) setImmediate(callback);
  }

  get heldWrites(): number {
    return this.held.length;
  }
}

export class FailingSink extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback(new Error("disk full"));
  }
}
