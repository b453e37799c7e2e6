// The text pass of destroy-only plans (runtime/filter/destroy-text.ts) against the general path it stands
// in for: JSON.stringify(plan.apply(JSON.parse(text))). It may decline (undefined), never differ.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Filter } from "../../compiler/authoring/types.ts";
import { compileFilters, type FilterPlan } from "../../runtime/filter/index.ts";
import { stages } from "./support.ts";

const RUNS = { numRuns: 2000 };
const KEYS = ["card", "number", "a", "b", "id", "__proto__", "é", "😀"];

function planOf(filters: readonly Filter[]): FilterPlan {
  const plan = compileFilters(stages({ target: filters.slice(0, 1), proxy: filters.slice(1) })).select(
    "GET",
    "/",
  );
  if (plan === null) throw new Error("no filter applies");
  return plan;
}

function general(plan: FilterPlan, text: string): string {
  return JSON.stringify(plan.apply(JSON.parse(text))) ?? "null";
}

/** The pass reads UTF-8 bytes and answers them as a binary string; decoded here to compare. */
function textPass(plan: FilterPlan, text: string): string | undefined {
  if (plan.applyToText === null) throw new Error("the plan has no text pass");
  const answer = plan.applyToText(Buffer.from(text, "utf8"));
  return answer === undefined ? undefined : Buffer.from(answer, "latin1").toString("utf8");
}

type Doc = null | boolean | number | string | Doc[] | { [key: string]: Doc };

const strings = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('a"b', "back\\slash", "tab\there", "line\nbreak", "\u0001", "\ud800", "x\udc00", "😀", "/"),
);
const numbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e21, 123456789012345680000, 2 ** 53 + 2),
);

const documents: fc.Arbitrary<Doc> = fc.letrec<{ tree: Doc; array: Doc[]; object: { [key: string]: Doc } }>(
  (tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.oneof(strings, numbers, fc.boolean(), fc.constant(null)),
      tie("array"),
      tie("object"),
    ),
    array: fc.array(tie("tree"), { maxLength: 4 }),
    object: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie("tree")), {
        selector: ([key]) => key,
        maxLength: 5,
      })
      .map((entries) => {
        const object: { [key: string]: Doc } = {};
        for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true });
        return object;
      }),
  }),
).tree;

/** How a document is spelled: JSON.parse reads every spelling as the same value (keys stay unescaped). */
interface Spelling {
  readonly space: string;
  readonly escapeEvery: number;
  readonly longNumbers: boolean;
}

const spellings = fc.record({
  space: fc.constantFrom("", " ", "\n  ", "\t\r\n"),
  escapeEvery: fc.constantFrom(0, 1, 3),
  longNumbers: fc.boolean(),
});

function spell(value: Doc, spelling: Spelling): string {
  const { space } = spelling;
  if (typeof value === "string") return spellString(value, spelling);
  if (typeof value === "number") {
    const plain = JSON.stringify(value);
    return spelling.longNumbers && Number.isInteger(value) && Math.abs(value) < 1e15 ? `${plain}.0e0` : plain;
  }
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${space}${value.map((item) => spell(item, spelling)).join(`${space},${space}`)}${space}]`;
  const members = Object.keys(value).map(
    (key) => `${JSON.stringify(key)}${space}:${space}${spell(value[key]!, spelling)}`,
  );
  return `{${space}${members.join(`,${space}`)}${space}}`;
}

/** Every `escapeEvery`-th character as \uXXXX (0: none); "/" as "\/". */
function spellString(value: string, { escapeEvery }: Spelling): string {
  if (escapeEvery === 0) return JSON.stringify(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (i % escapeEvery === 0) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else if (value[i] === "/") out += "\\/";
    else out += JSON.stringify(value[i]).slice(1, -1);
  }
  return `${out}"`;
}

const pathSegments = fc.array(
  fc.oneof(
    fc.constantFrom(...KEYS).map((key) => `['${key}']`),
    fc.constant("[*]"),
  ),
  {
    minLength: 1,
    maxLength: 3,
  },
);
const destroyFilters = fc
  .array(
    fc.array(
      pathSegments.map((segments) => `$${segments.join("")}`),
      { minLength: 1, maxLength: 3 },
    ),
    {
      minLength: 1,
      maxLength: 2,
    },
  )
  .map((lists) => lists.map((paths): Filter => ({ op: "destroy", paths })));

describe("destroy as a text pass", () => {
  it("closes empty containers, reads literals and refuses misplaced commas", () => {
    const plan = planOf([{ op: "destroy", paths: ["$.a.b"] }]);
    for (const text of [
      "{}",
      "[]",
      "{ }",
      '{"a":{},"c":[ ]}',
      '{"a":{"b":1},"c":[[],{}]}',
      "[true,false,null]",
    ]) {
      expect(textPass(plan, text)).toBe(general(plan, text));
    }
    expect(textPass(plan, '{"a":{"b":1},"c":[[],{}]}')).toBe('{"a":{},"c":[[],{}]}');
    for (const text of ["[,1]", "{,}", "[1,]", "[tru]", "[nul", "fals", '{"a":{},}']) {
      expect(textPass(plan, text)).toBeUndefined();
    }
  });

  it("writes what the general path writes, whatever the spelling", () => {
    fc.assert(
      fc.property(documents, spellings, destroyFilters, (document, spelling, filters) => {
        const plan = planOf(filters);
        const text = spell(document, spelling);
        const answer = textPass(plan, text);
        if (answer !== undefined) expect(answer).toBe(general(plan, text));
      }),
      RUNS,
    );
  });

  it("answers for every compact document without duplicate or integer-like keys", () => {
    fc.assert(
      fc.property(documents, destroyFilters, (document, filters) => {
        const plan = planOf(filters);
        const text = JSON.stringify(document);
        expect(textPass(plan, text)).toBe(general(plan, text));
      }),
      RUNS,
    );
  });

  it("declines text JSON.parse refuses", () => {
    fc.assert(
      fc.property(
        documents,
        destroyFilters,
        fc.nat(),
        fc.constantFrom("", "x", ",", "}", "]", '"', "\\", "\u0001", "-", "0", "tru"),
        (document, filters, at, insert) => {
          const text = JSON.stringify(document);
          const cut = at % (text.length + 1);
          // Through UTF-8, as from an upstream: a cut through a surrogate pair arrives as U+FFFD.
          const broken = Buffer.from(
            text.slice(0, cut) + insert + text.slice(cut + (insert === "" ? 1 : 0)),
            "utf8",
          ).toString("utf8");
          let valid = true;
          try {
            JSON.parse(broken);
          } catch {
            valid = false;
          }
          const answer = textPass(planOf(filters), broken);
          if (valid) {
            if (answer !== undefined) expect(answer).toBe(general(planOf(filters), broken));
          } else expect(answer).toBeUndefined();
        },
      ),
      RUNS,
    );
  });

  it.each<[string, string, string[], string]>([
    [
      "a nested member",
      '{"id":"ch_1","card":{"number":"4242","exp":"12/30"},"ok":true}',
      ["$.card.number"],
      '{"id":"ch_1","card":{"exp":"12/30"},"ok":true}',
    ],
    ["the first member", '{"a":1,"b":2,"c":3}', ["$.a"], '{"b":2,"c":3}'],
    ["the last member", '{"a":1,"b":2,"c":3}', ["$.c"], '{"a":1,"b":2}'],
    ["every member", '{"a":1,"b":2}', ["$.*"], "{}"],
    ["every element", '{"list":[1,{"a":2},[3]]}', ["$.list[*]"], '{"list":[]}'],
    ["through elements", '[{"a":1,"b":2},{"b":3},{"a":4}]', ["$[*].a"], '[{"b":2},{"b":3},{}]'],
    [
      "with whitespace everywhere",
      ' { "a" : 1 ,\n "b" : [ 1 , 2 ] ,\t"c" : { } } ',
      ["$.b"],
      '{"a":1,"c":{}}',
    ],
    [
      "rewriting escapes and numbers",
      '{"s":"\\u0041\\/","n":1.50,"z":-0,"e":1E2,"big":1e400,"x":0}',
      ["$.x"],
      '{"s":"A/","n":1.5,"z":0,"e":100,"big":null}',
    ],
    ["keeping a lone surrogate escaped", '{"s":"\\ud800","x":1}', ["$.x"], '{"s":"\\ud800"}'],
  ])("cuts %s", (_, text, paths, expected) => {
    const plan = planOf([{ op: "destroy", paths }]);
    expect(general(plan, text)).toBe(expected);
    expect(textPass(plan, text)).toBe(expected);
  });

  it.each<[string, string]>([
    ["a duplicate key", '{"a":1,"a":2}'],
    [
      "a duplicate among many keys",
      `{${Array.from({ length: 20 }, (_, i) => `"k${i}":${i}`).join(",")},"k3":0}`,
    ],
    ["an integer-like key", '{"b":1,"2":2}'],
    ["an escaped key (another spelling could be a duplicate)", '{"\\u0061":1,"b":2}'],
    ["nesting deeper than 64", `${"[".repeat(65)}${"]".repeat(65)}`],
    ["an object of more than 64 keys", `{${Array.from({ length: 65 }, (_, i) => `"k${i}":${i}`).join(",")}}`],
  ])("declines %s, which the general path reorders or handles", (_, text) => {
    expect(textPass(planOf([{ op: "destroy", paths: ["$.x"] }]), text)).toBeUndefined();
  });

  it("declines bytes that are not well-formed UTF-8 (the general path decodes them with replacements)", () => {
    const plan = planOf([{ op: "destroy", paths: ["$.x"] }]);
    for (const bytes of [
      [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d], // {"a":"\xff"}
      [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d], // a lone surrogate in UTF-8 form
      [0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d], // a truncated sequence in a key
    ]) {
      expect(plan.applyToText!(Buffer.from(bytes))).toBeUndefined();
    }
    expect(textPass(plan, '\ufeff{"x":1}')).toBeUndefined(); // a byte order mark is not JSON
  });

  it("answers the UTF-8 bytes themselves, one character per byte", () => {
    const plan = planOf([{ op: "destroy", paths: ["$.x"] }]);
    const text = Buffer.from('{"a":[1,2],"é":"ü😀","x":"\\u00e9"}');
    const answer = plan.applyToText!(text)!;
    expect(Buffer.from(answer, "latin1")).toEqual(Buffer.from('{"a":[1,2],"é":"ü😀"}', "utf8"));
    expect(answer.length).toBe(Buffer.byteLength('{"a":[1,2],"é":"ü😀"}'));
    const escaped = plan.applyToText!(Buffer.from('{"s":"\\u00e9\\ud83d\\ude00"}'))!;
    expect(Buffer.from(escaped, "latin1").toString("utf8")).toBe('{"s":"é😀"}');
  });

  it("matches non-ASCII names byte for byte, and many names through a look-up", () => {
    const names = ["é", "😀", "ß", "n1", "n2", "n3", "n4", "n5", "n6", "n7"];
    const plan = planOf([{ op: "destroy", paths: names.map((name) => `$['${name}']`) }]);
    const text = JSON.stringify({ é: 1, e: 2, "😀": 3, "😁": 4, ß: 5, n7: 6, n8: 7 });
    expect(textPass(plan, text)).toBe('{"e":2,"😁":4,"n8":7}');
    expect(textPass(plan, text)).toBe(general(plan, text));
  });

  it("reads objects of up to 64 keys, nested in others", () => {
    const object = `{${Array.from({ length: 64 }, (_, i) => `"k${i}":${i}`).join(",")}}`;
    const text = `{"a":${object},"b":[${object},${object}],"c":${object}}`;
    const plan = planOf([{ op: "destroy", paths: ["$.a.k63", "$.b[*].k0", "$.c.k5"] }]);
    expect(textPass(plan, text)).toBe(general(plan, text));
  });

  it.each<[string, Filter[]]>([
    ["an index", [{ op: "destroy", paths: ["$.a[0]"] }]],
    ["a descendant", [{ op: "destroy", paths: ["$..a"] }]],
    ["the root", [{ op: "destroy", paths: ["$"] }]],
    [
      "a retain",
      [
        { op: "destroy", paths: ["$.a"] },
        { op: "retain", paths: ["$.b"] },
      ],
    ],
    ["a mask", [{ op: "mask", detect: ["email"] }]],
    ["a name with a lone surrogate (no UTF-8 spelling)", [{ op: "destroy", paths: ["$['\ud800']"] }]],
  ])("leaves plans with %s to the general path", (_, filters) => {
    const plan = compileFilters(stages({ target: filters })).select("GET", "/");
    expect(plan?.applyToText).toBeNull();
  });
});
