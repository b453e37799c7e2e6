import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DecisionLog, type DecisionRecord } from "../../runtime/observe/decision-log.ts";
import { allowRecord, CollectingSink, FailingSink, refusedRecord, requestIds, SlowSink } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "rrc-decision-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ids(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `req-${from + i}`);
}

describe("DecisionLog file sink", () => {
  it("writes one JSON line per record, in order, across several batches", async () => {
    const path = join(dir, "ordered.jsonl");
    const log = new DecisionLog({ kind: "file", path }, { flushIntervalMs: 1 });
    for (let n = 0; n < 600; n++) {
      log.write(n % 3 === 0 ? refusedRecord(n) : allowRecord(n));
      if (n % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await log.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.pop()).toBe(""); // every line ends with a newline, the last one included
    expect(requestIds(lines)).toEqual(ids(0, 600));
    expect(JSON.parse(lines[1]!)).toEqual(allowRecord(1));
    expect(JSON.parse(lines[3]!)).toEqual(refusedRecord(3));
    expect(log.written).toBe(600);
    expect(log.dropped).toBe(0);
  });

  it("appends to an existing file", async () => {
    const path = join(dir, "append.jsonl");
    writeFileSync(path, JSON.stringify(allowRecord(0)) + "\n");
    const log = new DecisionLog({ kind: "file", path });
    log.write(allowRecord(1));
    await log.close();
    expect(requestIds(readFileSync(path, "utf8").trim().split("\n"))).toEqual(["req-0", "req-1"]);
  });

  it("flush() writes what is buffered without waiting for the interval", async () => {
    const path = join(dir, "flush.jsonl");
    const log = new DecisionLog({ kind: "file", path }, { flushIntervalMs: 60_000 });
    log.write(allowRecord(1));
    log.write(allowRecord(2));
    await log.flush();
    expect(requestIds(readFileSync(path, "utf8").trim().split("\n"))).toEqual(["req-1", "req-2"]);
    expect(log.written).toBe(2);
    await log.close();
  });

  it("counts every record as dropped when the file cannot be opened", async () => {
    const log = new DecisionLog({ kind: "file", path: join(dir, "missing-dir", "x.jsonl") });
    for (let n = 0; n < 5; n++) log.write(allowRecord(n));
    await log.close();
    log.write(allowRecord(5));
    expect(log.error).toBeInstanceOf(Error);
    expect(log.written).toBe(0);
    expect(log.dropped).toBe(6);
  });
});

describe("DecisionLog stdout sink", () => {
  it("writes to the injected stream and leaves it open", async () => {
    const out = new CollectingSink();
    const log = new DecisionLog({ kind: "stdout" }, { stdout: out });
    for (let n = 0; n < 10; n++) log.write(allowRecord(n));
    await log.close();
    expect(requestIds(out.lines)).toEqual(ids(0, 10));
    expect(out.chunks).toHaveLength(1); // one batch, one write
    expect(out.writableEnded).toBe(false);
    expect(out.listenerCount("error")).toBe(0);
  });
});

describe("DecisionLog back-pressure", () => {
  it("buffers while a write is pending, drops beyond the limit, and counts both exactly", async () => {
    const sink = new SlowSink();
    const log = new DecisionLog(
      { kind: "stdout" },
      { stdout: sink, maxBufferedRecords: 4, flushIntervalMs: 1 },
    );

    for (let n = 0; n < 10; n++) log.write(allowRecord(n)); // 0-3 fit, 4-9 do not
    expect(log.dropped).toBe(6);
    await sink.chunksReceived(1);

    for (let n = 10; n < 17; n++) log.write(allowRecord(n)); // the write is held: 10-13 fit
    expect(log.dropped).toBe(9);
    expect(sink.chunks).toHaveLength(1); // one write in flight at a time

    sink.releaseOne(); // the second batch goes out at once
    expect(log.written).toBe(4);
    await sink.chunksReceived(2);
    for (let n = 17; n < 19; n++) log.write(allowRecord(n)); // room again

    sink.drainFromNowOn();
    await log.close();
    log.write(allowRecord(19)); // after close: dropped
    expect(requestIds(sink.chunks.join("").trim().split("\n"))).toEqual([
      ...ids(0, 4),
      ...ids(10, 14),
      ...ids(17, 19),
    ]);
    expect(log.written).toBe(10);
    expect(log.dropped).toBe(10);
    expect(log.written + log.dropped).toBe(20);
  });

  it("lets records that gathered during a write wait one interval, unless a flush wants them", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const sink = new SlowSink();
      const log = new DecisionLog({ kind: "stdout" }, { stdout: sink, flushIntervalMs: 50 });
      log.write(allowRecord(0));
      await vi.advanceTimersByTimeAsync(50);
      expect(sink.chunks).toHaveLength(1); // the first batch is in flight

      log.write(allowRecord(1));
      log.write(allowRecord(2));
      sink.releaseOne();
      await vi.advanceTimersByTimeAsync(49);
      expect(sink.chunks).toHaveLength(1); // under load: one write per interval, not one per completion
      await vi.advanceTimersByTimeAsync(1);
      expect(sink.chunks).toHaveLength(2);

      log.write(allowRecord(3));
      const flushed = log.flush();
      sink.releaseOne(); // a flush is waiting: what gathered goes at once
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.chunks).toHaveLength(3);
      sink.drainFromNowOn();
      await flushed;
      await log.close();
      expect(requestIds(sink.chunks.join("").trim().split("\n"))).toEqual(ids(0, 4));
    } finally {
      vi.useRealTimers();
    }
  });

  it("drops buffered and later records once the sink fails, and still settles flush()", async () => {
    const log = new DecisionLog({ kind: "stdout" }, { stdout: new FailingSink(), flushIntervalMs: 1 });
    for (let n = 0; n < 3; n++) log.write(allowRecord(n));
    await log.flush();
    for (let n = 3; n < 5; n++) log.write(allowRecord(n));
    await log.close();
    expect(log.error?.message).toBe("disk full");
    expect(log.written).toBe(0);
    expect(log.dropped).toBe(5);
  });

  it("drops only the record that cannot be serialised", async () => {
    const out = new CollectingSink();
    const log = new DecisionLog({ kind: "stdout" }, { stdout: out });
    const bad: DecisionRecord = { ...allowRecord(1), meter: { used: 1n } };
    log.write(allowRecord(0));
    log.write(bad);
    log.write(allowRecord(2));
    await log.flush();
    expect(requestIds(out.lines)).toEqual(["req-0", "req-2"]);
    expect([log.written, log.dropped]).toEqual([2, 1]);
    await log.close();
  });
});

describe("DecisionLog none sink", () => {
  it("discards records without counting them", async () => {
    const log = new DecisionLog({ kind: "none" });
    log.write(allowRecord(0));
    await log.close();
    expect([log.written, log.dropped]).toEqual([0, 0]);
  });
});
