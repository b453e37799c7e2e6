// A bounded, expiring LRU cache. Keys are always digests of what the caller presented, never the secret
// itself, so a heap dump of the cache reveals no credential.
//
// Exact LRU: a Map from key to node, and a circular doubly linked list of the nodes, most recent first.
// A hit is one `Map#get` and a few pointer writes; it never deletes and re-inserts the key. (On Node 20,
// `Map#delete` + `Map#set` of the same key on every hit cost time proportional to the map's size: every
// deleted copy stays in the key's hash chain until the table is rebuilt, measured at 0.3 µs with 1 entry
// and 42 µs with 9,000.) The Map is written only when a key enters or leaves the cache.

interface Node<V> {
  key: string;
  value: V;
  expiresAt: number;
  /** Towards the most recent end; the sentinel after the most recent node. */
  newer: Node<V>;
  /** Towards the least recent end; the sentinel after the least recent node. */
  older: Node<V>;
}

export class ExpiringLru<V> {
  readonly #max: number;
  readonly #nodes = new Map<string, Node<V>>();
  /** The list's ends: `sentinel.older` is the most recent node, `sentinel.newer` the least recent. */
  readonly #sentinel: Node<V>;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("cache size must be a positive integer");
    this.#max = max;
    const sentinel = { key: "", expiresAt: 0 } as Node<V>;
    sentinel.newer = sentinel;
    sentinel.older = sentinel;
    this.#sentinel = sentinel;
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** The value stored under `key`, unless it expired by `now` (then it is dropped); a hit makes it the most recent. */
  get(key: string, now: number): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (node.expiresAt <= now) {
      this.#remove(node);
      return undefined;
    }
    if (this.#sentinel.older !== node) {
      unlink(node);
      this.#pushRecent(node);
    }
    return node.value;
  }

  /** Stores `value` until `expiresAt` (ms) as the most recent entry; an already expired entry is not stored. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    const node = this.#nodes.get(key);
    if (!(expiresAt > now)) {
      if (node !== undefined) this.#remove(node);
      return;
    }
    if (node !== undefined) {
      node.value = value;
      node.expiresAt = expiresAt;
      unlink(node);
      this.#pushRecent(node);
      return;
    }
    const sentinel = this.#sentinel;
    const added: Node<V> = { key, value, expiresAt, newer: sentinel, older: sentinel };
    this.#nodes.set(key, added);
    this.#pushRecent(added);
    if (this.#nodes.size > this.#max) this.#remove(sentinel.newer);
  }

  delete(key: string): void {
    const node = this.#nodes.get(key);
    if (node !== undefined) this.#remove(node);
  }

  clear(): void {
    this.#nodes.clear();
    this.#sentinel.newer = this.#sentinel;
    this.#sentinel.older = this.#sentinel;
  }

  /** Keys from the least to the most recent (for tests and diagnostics; O(size)). */
  keys(): string[] {
    const keys: string[] = [];
    for (let node = this.#sentinel.newer; node !== this.#sentinel; node = node.newer) keys.push(node.key);
    return keys;
  }

  #pushRecent(node: Node<V>): void {
    const sentinel = this.#sentinel;
    const previous = sentinel.older;
    node.older = previous;
    node.newer = sentinel;
    previous.newer = node;
    sentinel.older = node;
  }

  #remove(node: Node<V>): void {
    unlink(node);
    this.#nodes.delete(node.key);
  }
}

function unlink<V>(node: Node<V>): void {
  node.older.newer = node.newer;
  node.newer.older = node.older;
}
