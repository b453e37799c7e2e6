// The decision log (SPEC §10): write() only appends to a bounded buffer; a timer turns the
// buffer into one string and hands it to the stream. One batch is in flight at a time, so
// lines keep the order write() was called in, and a slow sink pushes back into the buffer:
// once it is full, records are dropped and counted, never silently lost.
import { createWriteStream } from "node:fs";
import { finished, type Writable } from "node:stream";
import type { DecisionRecord } from "./decision-record.ts";

export { type DecisionRecord, decisionRecordSchema } from "./decision-record.ts";

export type LogSink = { kind: "stdout" } | { kind: "file"; path: string } | { kind: "none" };

export interface DecisionLogOptions {
  /** Records held while the sink is busy; beyond this they are dropped. Default 10 000. */
  maxBufferedRecords?: number;
  /** How long records wait to be batched. Default 50 ms. */
  flushIntervalMs?: number;
  /** Where the stdout sink writes; `process.stdout` unless given (tests, embedding hosts). */
  stdout?: Writable;
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

export class DecisionLog {
  private readonly stream: Writable | null;
  /** Only a stream the log opened is ended by close(); stdout belongs to the process. */
  private readonly owned: boolean;
  private readonly maxBuffered: number;
  private readonly intervalMs: number;
  private buffer: DecisionRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Records in the batch the stream has not confirmed yet (0: nothing in flight). */
  private inFlight = 0;
  /** The whole batch, unserialisable records included: they settle with it, keeping flush() in order. */
  private batchSize = 0;
  /** Records ever taken into the buffer, and how many of those are written or dropped since. */
  private accepted = 0;
  private settled = 0;
  private writtenCount = 0;
  private droppedCount = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly waiters: FlushWaiter[] = [];

  constructor(sink: LogSink, options: DecisionLogOptions = {}) {
    this.maxBuffered = Math.max(1, options.maxBufferedRecords ?? 10_000);
    this.intervalMs = Math.max(0, options.flushIntervalMs ?? 50);
    if (sink.kind === "file") {
      this.stream = createWriteStream(sink.path, { flags: "a" });
      this.owned = true;
    } else {
      this.stream = sink.kind === "stdout" ? (options.stdout ?? process.stdout) : null;
      this.owned = false;
    }
    this.stream?.on("error", this.onError);
  }

  /** Records written to the sink (confirmed by the stream). */
  get written(): number {
    return this.writtenCount;
  }

  /** Records lost: buffer full, sink failed, log closed, or not serialisable. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The error that stopped the sink, if one did; every record since is dropped. */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Takes the record by reference and serialises it later, off the request's path: the caller
   * must not change it afterwards. The "none" sink neither writes nor counts.
   */
  write(record: DecisionRecord): void {
    if (this.stream === null) return;
    if (this.failure !== null || this.closing !== null || this.buffer.length >= this.maxBuffered) {
      this.droppedCount++;
      return;
    }
    this.buffer.push(record);
    this.accepted++;
    if (this.inFlight > 0) return; // the write callback sends what gathered meanwhile
    if (this.buffer.length >= this.maxBuffered) this.schedule(0);
    else if (this.timer === null) this.schedule(this.intervalMs);
  }

  /** Resolves once every record buffered before the call is written or dropped. Never rejects. */
  flush(): Promise<void> {
    this.send();
    if (this.settled >= this.accepted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target: this.accepted, resolve }));
  }

  /** Flushes, then ends a file sink. Records written after close() are dropped. */
  close(): Promise<void> {
    this.closing ??= this.flush().then(() => this.release());
    return this.closing;
  }

  private release(): Promise<void> {
    const stream = this.stream;
    if (stream === null) return Promise.resolve();
    if (!this.owned) {
      stream.off("error", this.onError);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // finished() also reports a stream that already failed; the error is in `error` by then.
      finished(stream, () => resolve());
      stream.end();
    });
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
    if (this.stream === null || this.inFlight > 0 || this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    let text = "";
    let count = 0;
    for (const record of batch) {
      // A record that cannot be serialised (a BigInt or a cycle in `meter`) costs only itself.
      try {
        text += JSON.stringify(record) + "\n";
        count++;
      } catch {
        this.droppedCount++;
      }
    }
    if (count === 0) {
      this.settle(batch.length);
      return;
    }
    this.inFlight = count;
    this.batchSize = batch.length;
    try {
      this.stream.write(text, this.onWritten);
    } catch (error) {
      this.fail(error);
    }
  }

  private readonly onWritten = (error?: Error | null): void => {
    if (this.inFlight === 0) return; // already counted by fail()
    if (error) {
      this.fail(error);
      return;
    }
    this.writtenCount += this.inFlight;
    this.inFlight = 0;
    this.settle(this.batchSize);
    this.send();
  };

  private readonly onError = (error: Error): void => this.fail(error);

  /** The sink is gone: what is in flight or buffered is dropped, and so is every later record. */
  private fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    this.droppedCount += this.inFlight + this.buffer.length;
    const settling = (this.inFlight > 0 ? this.batchSize : 0) + this.buffer.length;
    this.inFlight = 0;
    this.buffer = [];
    this.settle(settling);
  }

  private settle(count: number): void {
    this.settled += count;
    while (this.waiters.length > 0 && this.waiters[0]!.target <= this.settled)
      this.waiters.shift()!.resolve();
  }
}
