import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonText, parseJsonBody } from "../../runtime/request/json-body.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

function value(input: string | Uint8Array, maxDepth?: number): unknown {
  const result = parseJsonBody(input, maxDepth);
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result.value;
}

function reason(input: string | Uint8Array, maxDepth?: number): string {
  const result = parseJsonBody(input, maxDepth);
  return result.ok ? "accepted" : result.reason;
}

describe("parseJsonBody: valid documents", () => {
  it.each([
    "0",
    "-0",
    "12",
    "-1.5e+3",
    "1E-2",
    "0.25",
    '""',
    '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"',
    '"\\u00e9\\u20AC\\ud83d\\ude00"',
    '"é😀"',
    "true",
    "false",
    "null",
    "[]",
    "{}",
    ' \t\r\n[1, "2", {"a": [null, true]}] \n',
    '{"a":{"b":{"c":[1,2,{"d":"e"}]}}}',
    "1e308",
    "123456789012345678901234567890",
  ])("%s equals JSON.parse", (text) => {
    expect(value(text)).toEqual(JSON.parse(text));
    expect(value(utf8(text))).toEqual(JSON.parse(text));
  });

  it("keeps -0", () => {
    expect(Object.is(value("-0"), -0)).toBe(true);
  });

  it("keeps lone surrogate escapes", () => {
    expect(value('"\\ud800x"')).toBe("\ud800x");
    expect(value('"\\udc00"')).toBe("\udc00");
  });

  it("decodes \\u escapes of any UTF-16 code unit, lone surrogates included", () => {
    const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 });
    fc.assert(
      fc.property(units, fc.array(fc.boolean()), (codes, escapeMask) => {
        const expected = String.fromCharCode(...codes);
        const body = codes
          .map((c, i) => {
            const mustEscape = c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff);
            return mustEscape || escapeMask[i]
              ? "\\u" + c.toString(16).padStart(4, "0")
              : String.fromCharCode(c);
          })
          .join("");
        expect(value('"' + body + '"')).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it("makes __proto__ an own property, not the prototype", () => {
    const parsed = value('{"__proto__": {"admin": true}, "constructor": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__", "constructor"]);
    expect(Object.hasOwn(parsed, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toEqual({ admin: true });
    expect((parsed as { admin?: unknown }).admin).toBeUndefined();
    expect(parsed.constructor).toBe(1);
  });

  it("keeps key order and numeric keys as JSON.parse does", () => {
    const text = '{"b":1,"a":2,"2":3,"1":4}';
    expect(Object.keys(value(text) as object)).toEqual(Object.keys(JSON.parse(text)));
  });

  it("agrees with JSON.parse on generated documents", () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const result = parseJsonBody(text, 1000);
        expect(result).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 10_000 },
    );
  });

  it("agrees with JSON.parse on generated documents given as bytes, with whitespace", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, "\t"), (doc, indent) => {
        const text = JSON.stringify(doc, null, indent);
        expect(parseJsonBody(utf8(text), 1000)).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("parseJsonBody: duplicate keys", () => {
  it.each([
    '{"a":1,"a":2}',
    '{"a":1,"\\u0061":2}',
    '{"a":1,"b":2,"a":1}',
    '{"x":[{"y":{"a":1,"a":1}}]}',
    '[1,[2,{"k":{"z":0,"z":0}}]]',
    '{"__proto__":1,"__proto__":2}',
    '{"":1,"":2}',
    '{"é":1,"\\u00e9":2}',
  ])("%s", (text) => {
    expect(reason(text)).toBe("duplicate-key");
  });

  it("does not confuse keys with inherited names", () => {
    expect(value('{"toString":1,"hasOwnProperty":2,"constructor":3}')).toEqual({
      toString: 1,
      hasOwnProperty: 2,
      constructor: 3,
    });
  });

  it("detects a duplicate injected anywhere in a generated object", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.nat(), (dict, n) => {
        const keys = Object.keys(dict);
        const key = keys[n % keys.length]!;
        const text = JSON.stringify(dict).slice(0, -1) + "," + JSON.stringify(key) + ":0}";
        expect(reason("[" + text + "]")).toBe("duplicate-key");
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("parseJsonBody: invalid documents", () => {
  it.each([
    "",
    " ",
    "[1,]",
    '{"a":1,}',
    "[,1]",
    "[1 2]",
    '{"a" 1}',
    '{"a":1 "b":2}',
    "{a:1}",
    "{1:1}",
    "// c\n1",
    "/* c */ 1",
    "1 // c",
    "'a'",
    "{'a':1}",
    "NaN",
    "Infinity",
    "-Infinity",
    "undefined",
    "01",
    "-01",
    "+1",
    "-",
    "1.",
    ".5",
    "1e",
    "1e+",
    "0x10",
    "1_000",
    '"a\u0000b"',
    '"a\nb"',
    '"a\tb"',
    '"\\x41"',
    '"\\u12"',
    '"\\u12G4"',
    '"\\\'"',
    '"abc',
    '"abc\\',
    "[1,2",
    '{"a":',
    '{"a"',
    "{",
    "tru",
    "nul",
    "True",
    "1 2",
    "[] []",
    "\ufeff{}",
    "\u00a0{}",
    "1e400",
    "-1e400",
  ])("%j", (text) => {
    expect(reason(text)).toBe("invalid-json");
  });

  it("refuses a UTF-8 byte order mark in bytes", () => {
    expect(reason(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe("invalid-json");
  });
});

describe("parseJsonBody: depth", () => {
  const nest = (n: number) => "[".repeat(n) + "]".repeat(n);
  const nestObject = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

  it("counts containers: a scalar is depth 0", () => {
    expect(reason("1", 0)).toBe("accepted");
    expect(reason("[]", 0)).toBe("too-deep");
    expect(reason("[]", 1)).toBe("accepted");
    expect(reason("[[]]", 1)).toBe("too-deep");
  });

  it("defaults to 64", () => {
    expect(reason(nest(64))).toBe("accepted");
    expect(reason(nest(65))).toBe("too-deep");
    expect(reason(nestObject(64))).toBe("accepted");
    expect(reason(nestObject(65))).toBe("too-deep");
    expect(reason("[" + nestObject(64) + "]")).toBe("too-deep");
  });

  it("refuses deep input before reading it all", () => {
    expect(reason("[".repeat(100_000))).toBe("too-deep");
  });

  it("survives a limit larger than the stack", () => {
    expect(reason(nest(1_000_000), Number.POSITIVE_INFINITY)).toBe("too-deep");
  });
});

describe("parseJsonBody: UTF-8", () => {
  it.each([
    [[0x22, 0xff, 0x22]],
    [[0x22, 0xc3, 0x22]],
    [[0x22, 0xc0, 0xaf, 0x22]],
    [[0x22, 0xed, 0xa0, 0x80, 0x22]],
    [[0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]],
    [[0x5b, 0x31, 0x5d, 0x80]],
  ])("refuses invalid bytes %j", (bytes) => {
    expect(reason(new Uint8Array(bytes))).toBe("invalid-utf8");
  });

  it("decodes valid multi-byte strings", () => {
    expect(value(new Uint8Array([0x22, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0x22]))).toBe("é😀");
  });
});

describe("jsonText", () => {
  it.each([
    ["abc", "abc"],
    ["", ""],
    [12, "12"],
    [1.5, "1.5"],
    [-0, "0"],
    [1e21, "1000000000000000000000"],
    [-1.5e30, "-1499999999999999889089448902656"],
    [true, "true"],
    [false, "false"],
    [null, "null"],
    [undefined, null],
    [{}, null],
    [[1], null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ])("%j -> %j", (input, expected) => {
    expect(jsonText(input)).toBe(expected);
  });

  it("does not match non-JSON values", () => {
    expect(jsonText(1n)).toBeNull();
    expect(jsonText(Symbol("x"))).toBeNull();
    expect(jsonText(() => 1)).toBeNull();
  });

  it("matches numbers as parsed, not as written", () => {
    expect(jsonText(value("1.50"))).toBe("1.5");
    expect(jsonText(value("1e2"))).toBe("100");
  });
});
