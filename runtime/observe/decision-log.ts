// The decision log (SPEC §10): write() only appends to a bounded buffer; a timer turns the
// buffer into one string and hands it to the sink. One batch is in flight at a time, so
// lines keep the order write() was called in, and a slow sink pushes back into the buffer.
// Once the buffer is full, `drop` mode drops and counts records (never silently), and
// `block` mode makes callers wait in reserve() for room (bounded by `blockTimeoutMs`).
import type { Writable } from "node:stream";
import type { DecisionRecord } from "./decision-record.ts";
import { FileSink, type FileSinkOptions } from "./file-sink.ts";
import { HttpSink, type HttpSinkOptions } from "./http-sink.ts";
import { type BatchSink, StreamSink } from "./log-sink.ts";
import { decisionRecordJson } from "./record-json.ts";

export { type DecisionRecord, decisionRecordSchema } from "./decision-record.ts";

export type LogSink =
  | { kind: "stdout" }
  | ({ kind: "file"; path: string } & FileSinkOptions)
  | ({ kind: "http" } & HttpSinkOptions)
  | { kind: "none" };

export type Backpressure = "drop" | "block";

export interface DecisionLogOptions {
  /** Records held while the sink is busy; beyond this they are dropped. Default 10 000. */
  maxBufferedRecords?: number;
  /** How long records wait to be batched. Default 50 ms. */
  flushIntervalMs?: number;
  /** Where the stdout sink writes; `process.stdout` unless given (tests, embedding hosts). */
  stdout?: Writable;
  /** What a full buffer does: `drop` (default) counts and drops; `block` makes reserve() wait. */
  backpressure?: Backpressure;
  /** Block mode: the longest reserve() waits for room before answering false. Default 5 000 ms. */
  blockTimeoutMs?: number;
  /** close(): the longest the sink gets to take what is buffered; the rest is dropped. Default 10 000 ms. */
  closeTimeoutMs?: number;
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

interface SlotWaiter {
  readonly resolve: (admitted: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

export class DecisionLog {
  private readonly sink: BatchSink | null;
  private readonly maxBuffered: number;
  private readonly intervalMs: number;
  private readonly blockTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  /** Block mode: every record is written under a slot reserve() handed out first. */
  readonly blocking: boolean;
  /** Serialised records: a line per record holds far less memory for the GC to copy than the object graph. */
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Records in the batch the sink has not settled yet (0: nothing in flight). */
  private inFlight = 0;
  /** Records ever taken into the buffer, and how many of those are written or dropped since. */
  private accepted = 0;
  private settled = 0;
  private writtenCount = 0;
  private droppedCount = 0;
  /** Block mode: slots handed out whose records have not arrived; buffer + reserved ≤ maxBuffered. */
  private reserved = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly waiters: FlushWaiter[] = [];
  private readonly slotWaiters: SlotWaiter[] = [];

  constructor(sink: LogSink, options: DecisionLogOptions = {}) {
    this.maxBuffered = Math.max(1, options.maxBufferedRecords ?? 10_000);
    this.intervalMs = Math.max(0, options.flushIntervalMs ?? 50);
    this.blockTimeoutMs = Math.max(0, options.blockTimeoutMs ?? 5_000);
    this.closeTimeoutMs = Math.max(0, options.closeTimeoutMs ?? 10_000);
    this.sink = openSink(sink, options, this.onFatal);
    this.blocking = options.backpressure === "block" && this.sink !== null;
  }

  /** Records the sink confirmed. */
  get written(): number {
    return this.writtenCount;
  }

  /** Records lost: buffer full, sink failed or refused them, log closed, or not serialisable. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Records waiting for the sink, the batch in flight included. */
  get buffered(): number {
    return this.buffer.length + this.inFlight;
  }

  /** Deliveries the sink retried (HTTP). */
  get retries(): number {
    return this.sink?.retries ?? 0;
  }

  /** The error that stopped the sink, if one did; every record since is dropped. */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Block mode: a slot for one record, to be written later. true at once while there is room;
   * otherwise a promise that settles true when room appears (first come, first served) or
   * false after `blockTimeoutMs`. false at once once the log is closing or its sink has failed.
   */
  reserve(): boolean | Promise<boolean> {
    if (this.failure !== null || this.closing !== null) return false;
    if (this.slotWaiters.length === 0 && this.buffer.length + this.reserved < this.maxBuffered) {
      this.reserved++;
      return true;
    }
    return new Promise((resolve) => {
      const waiter: SlotWaiter = {
        resolve,
        timer: setTimeout(() => {
          const index = this.slotWaiters.indexOf(waiter);
          if (index !== -1) this.slotWaiters.splice(index, 1);
          resolve(false);
        }, this.blockTimeoutMs),
      };
      this.slotWaiters.push(waiter);
    });
  }

  /** Gives back a slot from reserve() whose record will never be written. */
  release(): void {
    if (this.reserved > 0) this.reserved--;
    this.admitSlotWaiters();
  }

  /**
   * Serialises the record at once (it is never read again, so the caller may reuse it) and
   * buffers the line. The "none" sink neither writes nor counts.
   */
  write(record: DecisionRecord): void {
    if (this.sink === null) return;
    if (this.reserved > 0) this.reserved--;
    if (this.failure !== null || this.closing !== null || this.buffer.length >= this.maxBuffered) {
      this.droppedCount++;
      return;
    }
    let line: string;
    try {
      line = decisionRecordJson(record);
    } catch {
      // A record that cannot be serialised (a BigInt or a cycle in `meter`) costs only itself.
      this.droppedCount++;
      return;
    }
    this.buffer.push(line);
    this.accepted++;
    if (this.inFlight > 0) return; // the sink's callback sends what gathered meanwhile
    if (this.buffer.length >= this.maxBuffered) this.schedule(0);
    else if (this.timer === null) this.schedule(this.intervalMs);
  }

  /** Resolves once every record buffered before the call is written or dropped. Never rejects. */
  flush(): Promise<void> {
    this.send();
    if (this.settled >= this.accepted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target: this.accepted, resolve }));
  }

  /** Flushes (within `closeTimeoutMs`), then closes the sink. Records written after close() are dropped. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = this.shutDown();
      this.refuseSlotWaiters();
    }
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.closeTimeoutMs);
    });
    const outcome = await Promise.race([this.flush().then(() => "done" as const), deadline]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.sink?.abort();
      this.fail(new Error("the decision log closed before its sink took every record"));
    }
    await this.sink?.close();
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, delayMs);
    this.timer.unref(); // a pending batch must not keep the process alive; close() flushes it
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.send();
  };

  private send(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.sink === null || this.inFlight > 0 || this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.admitSlotWaiters();
    this.inFlight = batch.length;
    try {
      const lines = batch.length;
      batch.push(""); // the last line's newline, without concatenating onto the joined batch (a copy)
      this.sink.send(batch.join("\n"), lines, this.onSent);
    } catch (error) {
      this.onFatal(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private readonly onSent = (lost: number): void => {
    if (this.inFlight === 0) return; // already counted by fail()
    const delivered = Math.max(0, this.inFlight - lost);
    this.writtenCount += delivered;
    this.droppedCount += this.inFlight - delivered;
    const batch = this.inFlight;
    this.inFlight = 0;
    this.settle(batch);
    // What gathered meanwhile goes at once only when it is wanted now (a flush, a blocked request) or
    // large; otherwise it waits one interval, so that under load the sink gets a few large writes a
    // second rather than one small write per completion (each a thread-pool round trip).
    const urgent =
      this.waiters.length > 0 || this.slotWaiters.length > 0 || this.buffer.length >= this.maxBuffered / 4;
    if (urgent) this.send();
    else if (this.buffer.length > 0 && this.timer === null) this.schedule(this.intervalMs);
  };

  private readonly onFatal = (error: Error): void => this.fail(error);

  /** The sink is gone: what is in flight or buffered is dropped, and so is every later record. */
  private fail(error: Error): void {
    this.failure ??= error;
    this.droppedCount += this.inFlight + this.buffer.length;
    const settling = this.inFlight + this.buffer.length;
    this.inFlight = 0;
    this.buffer = [];
    this.settle(settling);
    this.refuseSlotWaiters();
  }

  private settle(count: number): void {
    this.settled += count;
    while (this.waiters.length > 0 && this.waiters[0]!.target <= this.settled)
      this.waiters.shift()!.resolve();
  }

  private admitSlotWaiters(): void {
    while (this.slotWaiters.length > 0 && this.buffer.length + this.reserved < this.maxBuffered) {
      const waiter = this.slotWaiters.shift()!;
      clearTimeout(waiter.timer);
      this.reserved++;
      waiter.resolve(true);
    }
  }

  private refuseSlotWaiters(): void {
    for (const waiter of this.slotWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
  }
}

function openSink(
  sink: LogSink,
  options: DecisionLogOptions,
  onFatal: (error: Error) => void,
): BatchSink | null {
  switch (sink.kind) {
    case "stdout":
      return new StreamSink(options.stdout ?? process.stdout, onFatal);
    case "file":
      return new FileSink(sink.path, sink, onFatal);
    case "http":
      return new HttpSink(sink);
    case "none":
      return null;
  }
}
