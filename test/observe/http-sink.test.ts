// The HTTP sink against a real collector on loopback: delivery in order, outages (connection
// refused, 5xx) with retry and backoff, a full buffer dropping and counting, refused batches,
// the close deadline, and `block` back-pressure.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DecisionLog, type DecisionLogOptions } from "../../runtime/observe/decision-log.ts";
import { type Collector, startCollector } from "./collector.ts";
import { allowRecord, requestIds } from "./support.ts";

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await collector.close();
});

const FAST_RETRY = { retryBaseMs: 10, retryMaxMs: 40, requestTimeoutMs: 2_000 };

function httpLog(options: DecisionLogOptions = {}, maxBatchBytes?: number): DecisionLog {
  return new DecisionLog(
    { kind: "http", url: collector.url, ...FAST_RETRY, ...(maxBatchBytes ? { maxBatchBytes } : {}) },
    { flushIntervalMs: 1, ...options },
  );
}

function ids(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, n) => `req-${from + n}`);
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await tick(5);
  }
}

describe("HTTP sink", () => {
  it("POSTs newline-delimited JSON, in order, split into bodies of at most maxBatchBytes", async () => {
    const log = httpLog({}, 2_000);
    for (let n = 0; n < 100; n++) log.write(allowRecord(n));
    await log.close();
    expect(requestIds(collector.lines)).toEqual(ids(0, 100));
    expect(JSON.parse(collector.lines[7]!)).toEqual(allowRecord(7));
    expect(collector.posts.length).toBeGreaterThan(10); // ~300-byte records, 2 000-byte bodies
    for (const post of collector.posts) expect(post.contentType).toBe("application/x-ndjson");
    expect([log.written, log.dropped, log.retries]).toEqual([100, 0, 0]);
  });

  it("loses nothing while the collector refuses connections, and delivers in order once it is back", async () => {
    await collector.down();
    const log = httpLog();
    for (let n = 0; n < 30; n++) {
      log.write(allowRecord(n));
      if (n % 10 === 9) await tick(20); // several batches queue up behind the failing one
    }
    await until(() => log.retries >= 3);
    expect(log.written).toBe(0);
    await collector.up();
    await log.flush();
    expect(requestIds(collector.lines)).toEqual(ids(0, 30));
    expect([log.written, log.dropped]).toEqual([30, 0]);
    await log.close();
  });

  it("retries 5xx, 429 and 408 answers (honouring Retry-After) and never duplicates a line", async () => {
    collector.failNext(2, 503);
    collector.failNext(1, 429, { "retry-after": "0" });
    collector.failNext(1, 408);
    const log = httpLog();
    for (let n = 0; n < 20; n++) log.write(allowRecord(n));
    await log.close();
    expect(requestIds(collector.lines)).toEqual(ids(0, 20));
    expect(collector.posts.map((post) => post.status).slice(0, 5)).toEqual([503, 503, 429, 408, 200]);
    expect([log.written, log.dropped, log.retries]).toEqual([20, 0, 4]);
  });

  it("drops and counts what does not fit in the buffer while the collector is down", async () => {
    await collector.down();
    const log = httpLog({ maxBufferedRecords: 10, flushIntervalMs: 60_000 });
    for (let n = 0; n < 30; n++) log.write(allowRecord(n)); // 0-9 fill the buffer; 10-29 are dropped
    expect(log.dropped).toBe(20);
    await until(() => log.retries >= 1); // 0-9 are in flight, retrying
    for (let n = 30; n < 45; n++) log.write(allowRecord(n)); // 30-39 fit behind them; 40-44 do not
    expect(log.dropped).toBe(25);
    expect(log.buffered).toBe(20);
    await collector.up();
    await log.close();
    expect(requestIds(collector.lines)).toEqual([...ids(0, 10), ...ids(30, 40)]);
    expect([log.written, log.dropped]).toEqual([20, 25]);
  });

  it("counts a batch the collector refuses for good (4xx) as dropped, and goes on with the next", async () => {
    collector.failNext(1, 400);
    const log = httpLog({ flushIntervalMs: 60_000 });
    for (let n = 0; n < 5; n++) log.write(allowRecord(n));
    await log.flush();
    for (let n = 5; n < 8; n++) log.write(allowRecord(n));
    await log.close();
    expect(requestIds(collector.lines)).toEqual(ids(5, 8));
    expect([log.written, log.dropped, log.retries]).toEqual([3, 5, 0]);
  });

  it("gives up at the close deadline when the collector never comes back, counting every record", async () => {
    await collector.down();
    const log = httpLog({ closeTimeoutMs: 200 });
    for (let n = 0; n < 12; n++) log.write(allowRecord(n));
    const started = Date.now();
    await log.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect([log.written, log.dropped]).toEqual([0, 12]);
  });
});

describe("block back-pressure", () => {
  it("makes callers wait for room instead of dropping, and refuses after the bounded wait", async () => {
    await collector.down();
    const log = httpLog({ backpressure: "block", maxBufferedRecords: 3, blockTimeoutMs: 150 });
    expect(log.blocking).toBe(true);
    let next = 0;
    const admitThenWrite = async (): Promise<boolean> => {
      const slot = log.reserve();
      const admitted = slot === true || (slot !== false && (await slot));
      if (admitted) log.write(allowRecord(next++));
      return admitted;
    };
    for (let n = 0; n < 3; n++) expect(log.reserve()).toBe(true);
    for (let n = 0; n < 3; n++) log.write(allowRecord(next++));
    await until(() => log.retries >= 1); // 0-2 in flight, the buffer empty again
    expect(await Promise.all([admitThenWrite(), admitThenWrite(), admitThenWrite()])).toEqual([
      true,
      true,
      true,
    ]);

    const waited = log.reserve(); // buffer full (3-5): this caller waits…
    expect(waited).toBeInstanceOf(Promise);
    expect(await waited).toBe(false); // …and is refused after blockTimeoutMs

    const waiting = admitThenWrite(); // waits again; the collector comes back meanwhile
    await collector.up();
    expect(await waiting).toBe(true);
    await log.close();
    expect(requestIds(collector.lines)).toEqual(ids(0, 7));
    expect([log.written, log.dropped]).toEqual([7, 0]);
  });

  it("answers false at once once the log is closing", async () => {
    const log = httpLog({ backpressure: "block" });
    const closed = log.close();
    expect(log.reserve()).toBe(false);
    await closed;
  });

  it("is off for the none sink and in drop mode", () => {
    expect(new DecisionLog({ kind: "none" }, { backpressure: "block" }).blocking).toBe(false);
    expect(httpLog().blocking).toBe(false);
  });
});
