import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rawOffsetInJsonString } from "../../compiler/regex/source-offset.ts";

describe("rawOffsetInJsonString", () => {
  it("maps plain characters one to one, after the opening quote", () => {
    expect(rawOffsetInJsonString('"abc"', 0)).toBe(1);
    expect(rawOffsetInJsonString('"abc"', 2)).toBe(3);
  });

  it("skips two-character escapes", () => {
    // value: ^\d+A$  raw: "^\\d+\u0041$"
    const raw = '"^\\\\d+\\u0041$"';
    expect(JSON.parse(raw)).toBe("^\\d+A$");
    expect(rawOffsetInJsonString(raw, 0)).toBe(1); // ^
    expect(rawOffsetInJsonString(raw, 1)).toBe(2); // \ (of \\)
    expect(rawOffsetInJsonString(raw, 2)).toBe(4); // d
    expect(rawOffsetInJsonString(raw, 3)).toBe(5); // +
    expect(rawOffsetInJsonString(raw, 4)).toBe(6); // \u0041
    expect(rawOffsetInJsonString(raw, 5)).toBe(12); // $
    expect(rawOffsetInJsonString('"a\\"b\\nc\\/d"', 3)).toBe(5); // \n
    expect(rawOffsetInJsonString('"a\\"b\\nc\\/d"', 6)).toBe(10); // d
  });

  it("maps each half of an escaped surrogate pair to its own escape", () => {
    const raw = '"x\\uD83D\\uDE00(?=y)"';
    expect(JSON.parse(raw)).toBe("x😀(?=y)");
    expect(rawOffsetInJsonString(raw, 1)).toBe(2);
    expect(rawOffsetInJsonString(raw, 2)).toBe(8);
    expect(rawOffsetInJsonString(raw, 3)).toBe(14); // (
  });

  it("keeps literal astral characters as two code units", () => {
    const raw = '"😀(?=y)"';
    expect(rawOffsetInJsonString(raw, 2)).toBe(3);
  });

  it("maps the end of the value to the closing quote and clamps", () => {
    expect(rawOffsetInJsonString('"a\\\\"', 2)).toBe(4);
    expect(rawOffsetInJsonString('"a\\\\"', 99)).toBe(4);
    expect(rawOffsetInJsonString('"ab"', -3)).toBe(1);
    expect(rawOffsetInJsonString('""', 0)).toBe(1);
  });

  it("points at the start of the k-th decoded code unit for any encoding (property)", () => {
    const SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f" };
    Object.assign(SHORT, { "\n": "\\n", "\r": "\\r", "\t": "\\t" });
    const unit = fc.oneof(
      fc.constantFrom("a", "(", "?", "=", "\\", '"', "/", "\n", "\t", "é", "😀", "\u2028"),
      fc.string({ maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 12 }), fc.infiniteStream(fc.nat(2)), (parts, choices) => {
        const value = parts.join("");
        let raw = '"';
        for (const cu of Array.from({ length: value.length }, (_, k) => value[k]!)) {
          const choice = choices.next().value as number;
          const code = cu.charCodeAt(0);
          const forced = code < 0x20 || cu === '"' || cu === "\\";
          if (choice === 2 || (forced && SHORT[cu] === undefined)) {
            const hex = code.toString(16).padStart(4, "0");
            raw += "\\u" + (choice === 2 ? hex.toUpperCase() : hex);
          } else if (choice === 1 && SHORT[cu] !== undefined) {
            raw += SHORT[cu];
          } else if (forced) {
            raw += SHORT[cu];
          } else {
            raw += cu;
          }
        }
        raw += '"';
        expect(JSON.parse(raw)).toBe(value);
        for (let k = 0; k <= value.length; k++) {
          const at = rawOffsetInJsonString(raw, k);
          expect(JSON.parse('"' + raw.slice(at))).toBe(value.slice(k));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
