import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numberJson, plainDataJson, stringJson } from "../../runtime/json/text.ts";

describe("plainDataJson", () => {
  it("writes what JSON.stringify writes for any parsed document", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (document) => {
        const parsed = JSON.parse(JSON.stringify(document)) as unknown;
        expect(plainDataJson(parsed)).toBe(JSON.stringify(parsed));
      }),
      { numRuns: 3_000 },
    );
  });

  it("writes what JSON.stringify writes for values JSON.parse never makes", () => {
    const anything = fc.anything({
      withBoxedValues: true,
      withNullPrototype: true,
      withSparseArray: true,
      withObjectString: true,
      withDate: true,
      withMap: true,
      withTypedArray: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(anything, (value) => {
        expect(plainDataJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 3_000 },
    );
    const withToJson = { a: 1, toJSON: () => ({ replaced: true }) };
    const unwritable = [undefined, () => 1, Symbol("s")];
    expect(plainDataJson({ inner: withToJson, list: unwritable, skipped: undefined })).toBe(
      JSON.stringify({ inner: withToJson, list: unwritable, skipped: undefined }),
    );
    expect(plainDataJson(undefined)).toBeUndefined();
  });

  it("throws where JSON.stringify throws: a BigInt or a cycle", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { again: cyclic };
    expect(() => plainDataJson({ big: 1n })).toThrow(TypeError);
    expect(() => plainDataJson(cyclic)).toThrow(TypeError);
  });

  it("escapes strings as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (value) => {
        expect(stringJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 3_000 },
    );
    for (const value of ['"', "\\", "\n", "\u0000", "\u001f", "\u007f", "\ud800", "\udfff", "😀", "é"]) {
      expect(stringJson(value)).toBe(JSON.stringify(value));
    }
  });
});

describe("numberJson", () => {
  it("writes whole thousandths as String does, and other numbers as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), (value) => {
        expect(numberJson(value / 1000)).toBe(String(value / 1000));
      }),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(numberJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 5_000 },
    );
    for (const value of [0.001, 0.01, 0.1, 1.5, 8.947, 0.368, 12.3, 1e-7, 1e21, -2.5, -0]) {
      expect(numberJson(value)).toBe(JSON.stringify(value));
    }
    expect(numberJson(Number.NaN)).toBe("null");
    expect(numberJson(Number.NEGATIVE_INFINITY)).toBe("null");
  });
});
