// The embedded meter store: in-process counters, persisted to `{stateDir}/meters.json` so that a
// restart mid-window keeps its counts (SPEC §6). Atomic by construction: take() never awaits
// between reading and writing, and Node runs one callback at a time.
//
// Durability: the file is rewritten (temp file + rename, so it is never half-written) at most every
// FLUSH_MS while something changed, and on close(). A crash loses at most the last FLUSH_MS of
// counts. One process per state directory: two gateways sharing one would overwrite each other.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CounterAdd,
  type CounterReading,
  type CounterTake,
  type MeterStore,
  MeterStoreUnavailable,
  type MeterWindow,
  type TakeResult,
} from "./types.ts";
import { hasRoom, windowBounds, windowKey } from "./windows.ts";

const FILE = "meters.json";
const FORMAT = 1;
const FLUSH_MS = 200;
const PRUNE_MS = 60_000;

interface Entry {
  value: number;
  /** End of the entry's window (ms); the entry is dropped after it. */
  end: number;
}

/** A counter's current window: its bounds and its entry in `counters` (made at 0 when the window opens). */
interface WindowSlot {
  readonly start: number;
  readonly end: number;
  readonly entry: Entry;
}

interface StateFile {
  readonly format: number;
  /** key → [value, window end in ms] */
  readonly counters: Readonly<Record<string, readonly [number, number]>>;
}

export interface EmbeddedStoreOptions {
  readonly stateDir: string;
  readonly now?: () => number;
  /** Persistence failures (the counters stay in memory and the next flush tries again). */
  readonly onError?: (error: Error) => void;
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<MeterStore> {
  await mkdir(options.stateDir, { recursive: true });
  const path = join(options.stateDir, FILE);
  const now = options.now ?? Date.now;
  const counters = await load(path, now());
  return new EmbeddedStore(path, counters, now, options.onError ?? (() => {}));
}

async function load(path: string, now: number): Promise<Map<string, Entry>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
  // A file we cannot read is an operator's problem to look at, not a reason to forget every count.
  const parsed = JSON.parse(text) as StateFile;
  if (parsed.format !== FORMAT || typeof parsed.counters !== "object" || parsed.counters === null) {
    throw new Error(`${path}: not a meter state file of format ${FORMAT}`);
  }
  const counters = new Map<string, Entry>();
  for (const [key, [value, end]] of Object.entries(parsed.counters)) {
    if (typeof value === "number" && typeof end === "number" && end > now) counters.set(key, { value, end });
  }
  return counters;
}

class EmbeddedStore implements MeterStore {
  readonly kind = "embedded";
  #dirty = false;
  #closed = false;
  #flushTimer: NodeJS.Timeout | null = null;
  /**
   * counter → window → its current window's bounds and entry. Cleared with each prune, which is the only
   * thing that removes entries, so a slot's entry is always the one `counters` holds for its key.
   */
  readonly #slots = new Map<string, Partial<Record<MeterWindow, WindowSlot>>>();
  /**
   * take()'s slots, reused: take() is synchronous, so calls never overlap. Indices past the current call's
   * takes may hold an earlier call's slots until overwritten; they are never read.
   */
  readonly #picked: WindowSlot[] = [];
  #writing: Promise<void> = Promise.resolve();
  readonly #pruneTimer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly counters: Map<string, Entry>,
    private readonly now: () => number,
    private readonly onError: (error: Error) => void,
  ) {
    this.#pruneTimer = setInterval(() => {
      if (this.prune()) this.markDirty();
    }, PRUNE_MS);
    this.#pruneTimer.unref();
  }

  take(takes: readonly CounterTake[]): TakeResult {
    this.assertOpen();
    const now = this.now();
    // The slots hold their entries, so a request costs no look-up by key; and every counter read is of
    // an entry that exists (a missing one, at a window's first request, deoptimized this when inlined).
    const slots = this.#picked;
    let admitted = true;
    for (let index = 0; index < takes.length; index++) {
      const take = takes[index]!;
      const slot = this.slot(take.counter, take.window, now);
      slots[index] = slot;
      if (!hasRoom(slot.entry.value, take.limit, take.increment)) admitted = false;
    }
    const counters: CounterReading[] = [];
    for (let index = 0; index < takes.length; index++) {
      const increment = takes[index]!.increment;
      const slot = slots[index]!;
      const entry = slot.entry;
      if (admitted && increment > 0) {
        entry.value += increment;
        this.markDirty();
      }
      counters.push({ used: entry.value, windowStart: slot.start, windowEnd: slot.end });
    }
    return { admitted, now, counters };
  }

  /** The counter's current window and its entry, found once per window rather than once per request. */
  private slot(counter: string, window: MeterWindow, now: number): WindowSlot {
    let byWindow = this.#slots.get(counter);
    if (byWindow === undefined) {
      byWindow = {};
      this.#slots.set(counter, byWindow);
    }
    const slot = byWindow[window];
    if (slot !== undefined && now >= slot.start && now < slot.end) return slot;
    const { start, end } = windowBounds(window, now);
    const key = windowKey(counter, window, start);
    let entry = this.counters.get(key);
    if (entry === undefined) {
      entry = { value: 0, end };
      this.counters.set(key, entry);
    }
    const fresh: WindowSlot = { start, end, entry };
    byWindow[window] = fresh;
    return fresh;
  }

  async add(adds: readonly CounterAdd[]): Promise<void> {
    this.assertOpen();
    const now = this.now();
    for (const add of adds) {
      const bounds = windowBounds(add.window, now);
      this.bump(windowKey(add.counter, add.window, bounds.start), add.amount, bounds.end);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pruneTimer);
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    await this.flush();
  }

  private bump(key: string, amount: number, end: number): number {
    const entry = this.counters.get(key);
    this.markDirty();
    if (entry === undefined) {
      this.counters.set(key, { value: amount, end });
      return amount;
    }
    entry.value += amount;
    entry.end = end;
    return entry.value;
  }

  /** Drops the counters of windows that have ended; true when some were. */
  private prune(): boolean {
    const now = this.now();
    let pruned = false;
    this.#slots.clear();
    for (const [key, entry] of this.counters) {
      if (entry.end > now) continue;
      this.counters.delete(key);
      pruned = true;
    }
    return pruned;
  }

  private markDirty(): void {
    this.#dirty = true;
    if (this.#flushTimer || this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      void this.flush();
    }, FLUSH_MS);
    this.#flushTimer.unref();
  }

  /** Writes the counters if they changed; writes are chained so two never race on the temp file. */
  private flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      this.prune();
      const counters: Record<string, [number, number]> = {};
      for (const [key, entry] of this.counters) {
        if (entry.value !== 0) counters[key] = [entry.value, entry.end]; // windows opened, nothing counted
      }
      const temp = `${this.path}.${process.pid}.tmp`;
      try {
        await writeFile(temp, JSON.stringify({ format: FORMAT, counters } satisfies StateFile));
        await rename(temp, this.path);
      } catch (error) {
        this.#dirty = true;
        this.onError(error as Error);
      }
    });
    return this.#writing;
  }

  private assertOpen(): void {
    if (this.#closed) throw new MeterStoreUnavailable("the embedded meter store is closed");
  }
}
