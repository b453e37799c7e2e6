// The file sink: appends JSON lines to one file and, with `maxBytes`, rotates by size the way
// logrotate does: `decisions.jsonl` → `decisions.jsonl.1` → … → `.{keep}`, the oldest removed.
// Rotation happens between lines, so every file holds whole records; only a single record
// larger than `maxBytes` makes a file exceed it.
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import type { BatchDone, BatchSink } from "./log-sink.ts";

export interface FileSinkOptions {
  /** Rotate before a file would exceed this many bytes; 0: never rotate. */
  readonly maxBytes?: number;
  /** Rotated files kept (`.1` newest … `.keep`); 0 keeps none. Default 5. */
  readonly keep?: number;
}

const NEWLINE = 0x0a;

export class FileSink implements BatchSink {
  readonly retries = 0;
  private readonly maxBytes: number;
  private readonly keep: number;
  private handle: FileHandle | null = null;
  private size = 0;
  private aborted = false;

  constructor(
    private readonly path: string,
    options: FileSinkOptions,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.maxBytes = Math.max(0, options.maxBytes ?? 0);
    this.keep = Math.max(0, options.keep ?? 5);
  }

  send(text: string, _lines: number, done: BatchDone): void {
    this.append(Buffer.from(text)).then(
      () => done(0),
      (error: unknown) => this.onFatal(error instanceof Error ? error : new Error(String(error))),
    );
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
  }

  abort(): void {
    this.aborted = true;
  }

  private async append(bytes: Buffer): Promise<void> {
    if (this.maxBytes === 0) {
      await (await this.opened()).appendFile(bytes);
      return;
    }
    let start = 0;
    while (start < bytes.length && !this.aborted) {
      const handle = await this.opened(); // first: an existing file's size counts
      const end = this.fitting(bytes, start);
      if (end === start) {
        await this.rotate(); // the next line does not fit in what is left of this file
        continue;
      }
      await handle.appendFile(bytes.subarray(start, end));
      this.size += end - start;
      start = end;
    }
  }

  /** End of the longest run of whole lines from `start` that fits; one line at least into an empty file. */
  private fitting(bytes: Buffer, start: number): number {
    const room = this.maxBytes - this.size;
    let end = start;
    while (end < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, end);
      const next = newline === -1 ? bytes.length : newline + 1;
      if (next - start > room) return end === start && this.size === 0 ? next : end;
      end = next;
    }
    return end;
  }

  private async opened(): Promise<FileHandle> {
    if (this.handle === null) {
      this.handle = await open(this.path, "a");
      this.size = (await this.handle.stat()).size;
    }
    return this.handle;
  }

  private async rotate(): Promise<void> {
    await this.close();
    for (let n = this.keep - 1; n >= 1; n--)
      await renameIfPresent(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    if (this.keep > 0) await renameIfPresent(this.path, `${this.path}.1`);
    else await rm(this.path, { force: true });
    this.size = 0;
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
