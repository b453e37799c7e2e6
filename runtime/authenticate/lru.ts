// A bounded, expiring LRU cache. Keys are always digests of what the caller presented, never the secret
// itself, so a heap dump of the cache reveals no credential.

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class ExpiringLru<V> {
  readonly #max: number;
  // Map iteration order is insertion order: re-inserting on a hit makes the first key the least recent.
  readonly #entries = new Map<string, Entry<V>>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("cache size must be a positive integer");
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (ms); an already expired entry is not stored. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    this.#entries.delete(key);
    if (!(expiresAt > now)) return;
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
