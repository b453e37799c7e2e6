import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTime } from "../../runtime/observe/iso-time.ts";

describe("isoTime", () => {
  it("equals toISOString for any millisecond, however the calls are ordered", () => {
    // Sequences mix nearby milliseconds (same second, next second) with far-apart ones.
    const instant = fc.oneof(
      fc.integer({ min: 0, max: 4_102_444_800_000 }), // 1970 – 2100
      fc.integer({ min: 1_795_000_000_000, max: 1_795_000_003_000 }),
      fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 }), // years 5 to 9891
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (sequence) => {
        for (const ms of sequence) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 1_000 },
    );
  });

  it("pads the milliseconds and keeps them apart within one second", () => {
    const second = Date.UTC(2026, 10, 23, 7, 10, 0);
    for (const millis of [0, 7, 42, 999, 100, 5]) {
      expect(isoTime(second + millis)).toBe(new Date(second + millis).toISOString());
    }
  });
});
