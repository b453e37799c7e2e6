// ExpiringLru (runtime/authenticate/lru.ts): the bounded, expiring cache behind verified JWTs, Basic pairs
// and introspection answers. Checked against a reference model of an exact LRU, and for the property the
// rewrite was made for: a hit costs the same Map work whatever the cache holds.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ExpiringLru } from "../../runtime/authenticate/lru.ts";

const key = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

function filled(size: number, max = size, expiresAt = Number.POSITIVE_INFINITY): ExpiringLru<number> {
  const lru = new ExpiringLru<number>(max);
  for (let n = 0; n < size; n++) lru.set(key(n), n, expiresAt, 0);
  return lru;
}

/** Map#get, #set and #delete calls made while `run` runs (on every Map, so keep `run` to the cache). */
function mapCalls(run: () => void): { get: number; set: number; delete: number } {
  const get = vi.spyOn(Map.prototype, "get");
  const set = vi.spyOn(Map.prototype, "set");
  const del = vi.spyOn(Map.prototype, "delete");
  try {
    run();
    return { get: get.mock.calls.length, set: set.mock.calls.length, delete: del.mock.calls.length };
  } finally {
    get.mockRestore();
    set.mockRestore();
    del.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ExpiringLru: contract", () => {
  it("refuses a size that is not a positive integer", () => {
    for (const max of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ExpiringLru(max)).toThrow(RangeError);
    }
  });

  it("stores, returns, replaces, deletes and clears", () => {
    const lru = new ExpiringLru<string>(3);
    lru.set("a", "A", 100, 0);
    lru.set("b", "B", 100, 0);
    expect(lru.get("a", 0)).toBe("A");
    expect(lru.get("missing", 0)).toBeUndefined();
    lru.set("a", "A2", 200, 0);
    expect(lru.get("a", 150)).toBe("A2");
    expect(lru.size).toBe(2);
    lru.delete("a");
    lru.delete("never-there");
    expect(lru.get("a", 0)).toBeUndefined();
    expect(lru.keys()).toEqual(["b"]);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.keys()).toEqual([]);
    lru.set("c", "C", 100, 0);
    expect(lru.keys()).toEqual(["c"]);
    expect(lru.get("c", 0)).toBe("C");
  });

  it("does not store an entry that is already expired, and drops the one it replaces", () => {
    const lru = new ExpiringLru<string>(3);
    lru.set("a", "A", 10, 10);
    lru.set("b", "B", Number.NaN, 0);
    expect(lru.size).toBe(0);
    lru.set("c", "C", 100, 0);
    lru.set("c", "C2", 50, 50);
    expect(lru.size).toBe(0);
    expect(lru.get("c", 0)).toBeUndefined();
  });

  it("expires an entry exactly at expiresAt and removes it", () => {
    const lru = new ExpiringLru<string>(3);
    lru.set("a", "A", 100, 0);
    expect(lru.get("a", 99)).toBe("A");
    expect(lru.get("a", 100)).toBeUndefined();
    expect(lru.size).toBe(0);
    // A clock that goes back does not revive it.
    expect(lru.get("a", 0)).toBeUndefined();
  });

  it("evicts the least recently used entry: hits and replacements count as uses", () => {
    const lru = new ExpiringLru<string>(3);
    lru.set("a", "A", 100, 0);
    lru.set("b", "B", 100, 0);
    lru.set("c", "C", 100, 0);
    expect(lru.get("a", 0)).toBe("A"); // order now b, c, a
    lru.set("d", "D", 100, 0); // evicts b
    expect(lru.keys()).toEqual(["c", "a", "d"]);
    lru.set("c", "C2", 100, 0); // order a, d, c
    lru.set("e", "E", 100, 0); // evicts a
    expect(lru.keys()).toEqual(["d", "c", "e"]);
    expect(lru.get("b", 0)).toBeUndefined();
    expect(lru.get("a", 0)).toBeUndefined();
    expect(lru.get("c", 0)).toBe("C2");
  });

  it("works with a single slot", () => {
    const lru = new ExpiringLru<string>(1);
    lru.set("a", "A", 100, 0);
    expect(lru.get("a", 0)).toBe("A");
    lru.set("b", "B", 100, 0);
    expect(lru.keys()).toEqual(["b"]);
    expect(lru.get("a", 0)).toBeUndefined();
    expect(lru.get("b", 0)).toBe("B");
  });
});

// A reference exact LRU: an array, least recent first, searched linearly.
interface ModelEntry {
  readonly key: string;
  readonly value: number;
  readonly expiresAt: number;
}

type Op =
  | { readonly op: "get"; readonly key: number; readonly advance: number }
  | { readonly op: "set"; readonly key: number; readonly ttl: number; readonly advance: number }
  | { readonly op: "delete"; readonly key: number; readonly advance: number };

const ops = (keys: number) =>
  fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({ op: fc.constant("get" as const), key: fc.nat(keys), advance: fc.nat(3) }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          op: fc.constant("set" as const),
          key: fc.nat(keys),
          ttl: fc.integer({ min: -2, max: 20 }),
          advance: fc.nat(3),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant("delete" as const), key: fc.nat(keys), advance: fc.nat(3) }),
      },
    ),
    { maxLength: 300 },
  );

describe("ExpiringLru: against a reference model", () => {
  it("answers every get as an exact LRU would, never holds more than its bound, never returns an expired entry", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), ops(12), (max, sequence: Op[]) => {
        const lru = new ExpiringLru<number>(max);
        let model: ModelEntry[] = [];
        let now = 0;
        let serial = 0;
        for (const step of sequence) {
          now += step.advance;
          const k = key(step.key);
          const at = model.findIndex((e) => e.key === k);
          if (step.op === "get") {
            const got = lru.get(k, now);
            let expected: number | undefined;
            if (at >= 0) {
              const entry = model[at]!;
              model.splice(at, 1);
              if (entry.expiresAt > now) {
                expected = entry.value;
                model.push(entry);
              }
            }
            expect(got).toBe(expected);
            // Values are their own expiry time: whatever is returned has not expired.
            if (got !== undefined) expect(got).toBeGreaterThan(now);
          } else if (step.op === "set") {
            const expiresAt = now + step.ttl;
            const value = expiresAt + ++serial / 1e6; // unique, and > now exactly when expiresAt > now
            lru.set(k, value, expiresAt, now);
            if (at >= 0) model.splice(at, 1);
            if (expiresAt > now) {
              model.push({ key: k, value, expiresAt });
              if (model.length > max) model = model.slice(1);
            }
          } else {
            lru.delete(k);
            if (at >= 0) model.splice(at, 1);
          }
          expect(lru.size).toBeLessThanOrEqual(max);
          expect(lru.size).toBe(model.length);
          expect(lru.keys()).toEqual(model.map((e) => e.key));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("ExpiringLru: bounds and recency under load", () => {
  it("never exceeds its bound while far more keys pass through", () => {
    const lru = new ExpiringLru<number>(100);
    for (let n = 0; n < 10_000; n++) {
      lru.set(key(n), n, Number.POSITIVE_INFINITY, 0);
      if (n % 3 === 0) lru.get(key(n - 50), 0);
      expect(lru.size).toBeLessThanOrEqual(100);
    }
    expect(lru.size).toBe(100);
    expect(new Set(lru.keys()).size).toBe(100);
  });

  it("keeps a frequently hit entry through a flood of new keys", () => {
    const max = 1000;
    const lru = filled(max);
    const hot = key(7);
    expect(lru.get(hot, 0)).toBe(7);
    for (let n = max; n < 100_000; n++) {
      lru.set(key(n), n, Number.POSITIVE_INFINITY, 0);
      // Hit once per max - 1 new keys: just before the flood would push it out.
      if (n % (max - 1) === 0) expect(lru.get(hot, 0)).toBe(7);
    }
    expect(lru.get(hot, 0)).toBe(7);
    expect(lru.size).toBe(max);
    // An entry that was never hit again is long gone.
    expect(lru.get(key(8), 0)).toBeUndefined();
  });

  it("never returns an entry past its expiry, however recently it was used", () => {
    const lru = new ExpiringLru<number>(50);
    for (let now = 0; now < 2_000; now++) {
      lru.set(key(now % 70), now + 10, now + 10, now);
      for (let k = 0; k < 70; k += 7) {
        const got = lru.get(key(k), now);
        if (got !== undefined) expect(got).toBeGreaterThan(now);
      }
    }
  });
});

describe("ExpiringLru: the cost of a hit does not grow with the size", () => {
  it("a hit is one Map#get and never re-inserts its key, with 1 or 10,000 entries", () => {
    for (const size of [1, 10_000]) {
      const lru = filled(size);
      // The least recent entry (the most list work) and the most recent one.
      for (const target of [key(0), key(size - 1)]) {
        const calls = mapCalls(() => {
          for (let n = 0; n < 1000; n++) expect(lru.get(target, 0)).toBeDefined();
        });
        expect(calls).toEqual({ get: 1000, set: 0, delete: 0 });
      }
    }
  });

  it("a hit moves only that entry, to the most recent end", () => {
    const lru = filled(10_000);
    const before = lru.keys();
    lru.get(key(5_000), 0);
    const after = lru.keys();
    expect(after).toHaveLength(before.length);
    expect(after.at(-1)).toBe(key(5_000));
    expect(after.slice(0, -1)).toEqual(before.filter((k) => k !== key(5_000)));
  });

  it("a miss, an insertion with eviction and an expiry cost the same Map work at any size", () => {
    const work = (size: number) => {
      const lru = filled(size, size, 1000);
      return {
        miss: mapCalls(() => lru.get("sha256:absent", 0)),
        insert: mapCalls(() => lru.set(key(size), size, 1000, 0)), // full: evicts the oldest
        replace: mapCalls(() => lru.set(key(size), size, 2000, 0)),
        expire: mapCalls(() => lru.get(key(size), 2000)),
      };
    };
    const small = work(1);
    const large = work(10_000);
    expect(large).toEqual(small);
    expect(small).toEqual({
      miss: { get: 1, set: 0, delete: 0 },
      insert: { get: 1, set: 1, delete: 1 },
      replace: { get: 1, set: 0, delete: 0 },
      expire: { get: 1, set: 0, delete: 1 },
    });
  });
});
