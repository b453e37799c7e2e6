// Where the decision log's batches go. A sink gets one batch of JSON lines at a time (the log
// never sends the next before `done`), so lines reach it in the order they were written.
import type { Writable } from "node:stream";

/** `lost`: lines of the batch given up (a collector refused them, or the log was aborted). */
export type BatchDone = (lost: number) => void;

export interface BatchSink {
  send(text: string, lines: number, done: BatchDone): void;
  /** Ends the sink once the last batch is settled. */
  close(): Promise<void>;
  /** Gives up at once (the close deadline passed); a pending `done` may never be called. */
  abort(): void;
  /** Deliveries retried so far (HTTP); 0 for sinks that never retry. */
  readonly retries: number;
}

/**
 * stdout (or an injected stream). The stream belongs to the process: close() leaves it open.
 * Any error it reports is fatal for the log: every later record is dropped and counted.
 */
export class StreamSink implements BatchSink {
  readonly retries = 0;

  constructor(
    private readonly stream: Writable,
    private readonly onFatal: (error: Error) => void,
  ) {
    stream.on("error", onFatal);
  }

  send(text: string, _lines: number, done: BatchDone): void {
    this.stream.write(text, (error) => {
      if (error) this.onFatal(error);
      else done(0);
    });
  }

  close(): Promise<void> {
    this.stream.off("error", this.onFatal);
    return Promise.resolve();
  }

  abort(): void {}
}
