// The meter state written from a template (runtime/meter/state-text.ts) against the object it stands
// for, serialised by JSON.stringify: the same text for any takes, ids and counts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stateTemplate, stateText } from "../../runtime/meter/state-text.ts";
import type { MeterWindow } from "../../runtime/meter/types.ts";

const WINDOWS: MeterWindow[] = ["minute", "hour", "day", "month"];

interface Take {
  meter: string;
  counter: string;
  window: MeterWindow;
  limit: number | null;
  increment: number;
}

/** What the meter stage wrote before the template: two objects per meter, serialised. */
function asObject(takes: readonly Take[], counts: readonly string[]): string {
  const state: Record<string, Record<string, string>> = {};
  takes.forEach((take, index) => {
    const windows = state[take.meter] ?? {};
    state[take.meter] = windows;
    windows[take.window] = take.limit === null ? counts[index]! : `${counts[index]}/${take.limit}`;
  });
  return JSON.stringify(state);
}

const takes = fc.array(
  fc.record({
    meter: fc.constantFrom("calls", "spend", "7", "12", "a-b_c", "0x"),
    counter: fc.constant("p:m:c"),
    window: fc.constantFrom(...WINDOWS),
    limit: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: null }),
    increment: fc.constantFrom(0, 1),
  }),
  { maxLength: 8 },
);
const count = fc.oneof(
  fc.nat().map(String),
  fc.double({ min: 0, max: 1e30, noNaN: true }).map((value) => String(Math.round(value * 1000) / 1000)),
);

describe("meter state text", () => {
  it("is the text JSON.stringify writes for the state object", () => {
    fc.assert(
      fc.property(takes, fc.array(count, { minLength: 8, maxLength: 8 }), (list, counts) => {
        const text = stateText(stateTemplate(list), counts);
        expect(text).toBe(asObject(list, counts));
        expect(JSON.parse(text)).toEqual(JSON.parse(asObject(list, counts)));
      }),
      { numRuns: 2000 },
    );
  });

  it("orders integer-like meter ids first, as an object does", () => {
    const list: Take[] = [
      { meter: "calls", counter: "c", window: "minute", limit: 10, increment: 1 },
      { meter: "7", counter: "c", window: "hour", limit: null, increment: 1 },
    ];
    expect(stateText(stateTemplate(list), ["3", "4"])).toBe('{"7":{"hour":"4"},"calls":{"minute":"3/10"}}');
  });
});
