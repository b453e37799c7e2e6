import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonText } from "../../runtime/json/text.ts";
import type { DecisionRecord } from "../../runtime/observe/decision-record.ts";
import { decisionRecordJson } from "../../runtime/observe/record-json.ts";

// Strings of every kind JSON.stringify treats specially: quotes, backslashes, control characters,
// paired and lone surrogates.
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("", '"', "\\", "\n", "\u0000", "\ud800", "\udfff", "😀", "/v1/items/42", "bench"),
);
const id = fc.oneof(fc.constantFrom("bench", "caller", "bench-read", "svc-1"), text);
const thousandths = fc.integer({ min: 0, max: 2_000_000_000_000 }).map((value) => value / 1000);
const number = fc.oneof(
  thousandths,
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 0.1, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY),
);
const meterValue = fc.oneof(
  text,
  number,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(text, number), { maxLength: 3 }),
);
const meter = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.dictionary(id, fc.dictionary(fc.oneof(fc.constantFrom("minute", "hour"), id), meterValue)),
);
const shadow = fc.option(
  fc.record({
    verdict: fc.constantFrom("allow" as const, "deny" as const),
    code: id,
    scope: fc.option(id),
    rule: fc.option(id),
  }),
  { nil: undefined },
);

/** Built with the keys in logDecision's order, as JSON.stringify writes an object's keys in insertion order. */
const record = fc
  .tuple(
    fc.record({
      time: fc.constantFrom("2026-11-23T08:56:50.379Z", "1970-01-01T00:00:00.000Z"),
      requestId: fc.oneof(fc.uuid(), text),
      proxy: fc.option(id),
      credential: fc.option(id),
      method: fc.constantFrom("GET", "POST", "DELETE"),
      path: text,
      verdict: fc.constantFrom("allow" as const, "deny" as const),
      status: fc.constantFrom(200, 403, 429, 502),
      code: id,
      scope: fc.option(id),
      rule: fc.option(id),
    }),
    meter,
    thousandths,
    number,
    fc.option(fc.constantFrom(200, 500)),
    shadow,
  )
  .map(([head, meterState, decisionUs, totalMs, upstreamStatus, disagreement]) => {
    // Spread in this order so the keys are in logDecision's order (meter left out when undefined).
    const built: DecisionRecord = {
      ...head,
      ...(meterState === undefined ? {} : { meter: meterState as DecisionRecord["meter"] }),
      decisionUs,
      totalMs,
      upstreamStatus,
    };
    if (disagreement !== undefined) built.shadow = disagreement;
    return built;
  });

describe("decisionRecordJson", () => {
  it("writes the text JSON.stringify writes, record after record", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (records) => {
        for (const each of records) expect(decisionRecordJson(each)).toBe(JSON.stringify(each));
      }),
      { numRuns: 2_000 },
    );
  });

  it("reuses nothing stale when one field of a repeated record changes", () => {
    const base: DecisionRecord = {
      time: "2026-11-23T08:56:50.379Z",
      requestId: "48b0fdd9-9825-4b95-943b-9ca1ca217244",
      proxy: "bench",
      credential: "caller",
      method: "GET",
      path: "/v1/items/42",
      verdict: "allow",
      status: 200,
      code: "access-granted",
      scope: "proxy",
      rule: "bench-read",
      meter: { "caller-rate": { minute: "1/1000" } },
      decisionUs: 8.947,
      totalMs: 0.368,
      upstreamStatus: 200,
    };
    const changes: Partial<DecisionRecord>[] = [
      {},
      { proxy: null },
      { credential: "other" },
      { method: "POST" },
      { verdict: "deny", code: "rule-denied" },
      { status: 403 },
      { scope: null, rule: null },
      { rule: "svc1-read" },
      {},
    ];
    for (const change of changes) {
      const changed = { ...base, ...change };
      expect(JSON.parse(decisionRecordJson(changed))).toEqual(changed);
      expect(decisionRecordJson(changed)).toBe(JSON.stringify(changed));
    }
  });

  it("copies meter state written ahead as JsonText, and JSON.stringify reads the same value", () => {
    const written = recordWithMeter(new JsonText('{"7":{"hour":"4"},"calls":{"minute":"3/10"}}'));
    const plain = recordWithMeter({ 7: { hour: "4" }, calls: { minute: "3/10" } });
    expect(decisionRecordJson(written)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(written)).toBe(JSON.stringify(plain));
  });

  it("throws where JSON.stringify throws: a BigInt or a cycle in the meter state", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const base = { ...JSON.parse(decisionRecordJson(recordWithMeter(null))) } as DecisionRecord;
    expect(() => decisionRecordJson({ ...base, meter: { big: 1n } })).toThrow(TypeError);
    expect(() => decisionRecordJson({ ...base, meter: cyclic })).toThrow(TypeError);
  });
});

function recordWithMeter(meterState: DecisionRecord["meter"]): DecisionRecord {
  return {
    time: "2026-11-23T08:56:50.379Z",
    requestId: "id",
    proxy: "bench",
    credential: null,
    method: "GET",
    path: "/",
    verdict: "deny",
    status: 401,
    code: "credential-missing",
    scope: null,
    rule: null,
    meter: meterState,
    decisionUs: 0,
    totalMs: 0.5,
    upstreamStatus: null,
  };
}
