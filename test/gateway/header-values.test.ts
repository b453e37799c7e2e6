import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerCaseHeaderName } from "../../runtime/server/header-names.ts";
import { headerValueText } from "../../runtime/server/header-values.ts";

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

describe("headerValueText", () => {
  it("answers a repeated value from the memo with the same text", () => {
    const value = "application/json; charset=utf-8";
    const first = headerValueText(Buffer.from(value, "latin1"));
    // Fresh Buffers with the same bytes, as undici hands over for every response.
    expect(headerValueText(Buffer.from(value, "latin1"))).toBe(first);
    expect(first).toBe(value);
  });

  it("never answers a remembered value for other bytes of the same length and slot", () => {
    // Same length, first, middle and last byte: the same slot. Each lane of the four-byte comparison
    // and the tail differ once.
    const base = "Mon, 23 Nov 2026 15:04:33 GMT";
    expect(headerValueText(Buffer.from(base, "latin1"))).toBe(base);
    for (let position = 1; position < base.length - 1; position++) {
      if (position === base.length >> 1) continue;
      const other = Buffer.from(base, "latin1");
      other[position] = other[position]! ^ 0x01;
      expect(headerValueText(other)).toBe(other.toString("latin1"));
      expect(headerValueText(Buffer.from(base, "latin1"))).toBe(base);
    }
  });

  it("converts empty, long and non-ASCII values byte for byte (latin1)", () => {
    expect(headerValueText(Buffer.alloc(0))).toBe("");
    const long = "x".repeat(200);
    expect(headerValueText(Buffer.from(long, "latin1"))).toBe(long);
    const bytes = Buffer.from([0x61, 0xe9, 0xff, 0x80, 0x09, 0x62]);
    expect(headerValueText(bytes)).toBe("a\u00e9\u00ff\u0080\tb");
  });

  it("equals toString('latin1') over any sequence of values (property)", () => {
    // Short values over a small alphabet, so that slots collide and values repeat.
    const value = fc
      .uint8Array({ minLength: 0, maxLength: 60 })
      .map((bytes) => bytes.map((b) => 0x30 + (b % 4)));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), (values) => {
        for (const bytes of values) expect(headerValueText(Buffer.from(bytes))).toBe(latin1(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe("lowerCaseHeaderName, byte by byte", () => {
  it("equals toString('latin1').toLowerCase() for every one-byte change of a common name (property)", () => {
    const names = ["content-type", "content-length", "date", "connection", "keep-alive", "x-request-id"];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (name, at, byte, upper) => {
          const raw = Buffer.from(upper ? name.toUpperCase() : name, "latin1");
          raw[at % raw.length] = byte;
          expect(lowerCaseHeaderName(raw)).toBe(raw.toString("latin1").toLowerCase());
        },
      ),
      { numRuns: 2000 },
    );
  });
});
