import fc from "fast-check";
import RE2 from "re2";
import { describe, expect, it } from "vitest";
import { checkRegex } from "../../compiler/regex/check.ts";
import {
  compileSet,
  compileSingle,
  normalizeForNodeRe2,
  SET_FLAGS,
  type SetPatternInput,
  toSetPattern,
} from "../../compiler/regex/set-pattern.ts";

// Pieces every engine reads the same way (RE2, and JavaScript with the `u` flag).
const SAFE_ATOMS = [
  "a",
  "b",
  "A",
  "é",
  "É",
  "ß",
  "/",
  ".",
  "[ab]",
  "[^a]",
  "[a-z]",
  "\\d",
  "\\w",
  "(a|b)",
  "x",
];
// Pieces that node-re2 or JavaScript treat specially; only the set/single agreement holds.
const RE2_ATOMS = [
  "\\Q/.\\E",
  "\\Qa(\\E",
  "[]a]",
  "\\s",
  "[[:alpha:]]",
  "\\pL",
  "\\x{e9}",
  "\\C",
  "\\Aa",
  "b\\z",
];
const QUANTIFIERS = ["", "", "", "*", "?", "+", "{1,2}"];

function patternArbitrary(atoms: readonly string[]): fc.Arbitrary<string> {
  const { pattern } = fc.letrec<{ pattern: string; piece: string; atom: string }>((tie) => ({
    atom: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...atoms) },
      { weight: 1, arbitrary: tie("pattern").map((p) => `(${p})`) },
    ),
    piece: fc.oneof(
      { weight: 8, arbitrary: fc.tuple(tie("atom"), fc.constantFrom(...QUANTIFIERS)).map(([a, q]) => a + q) },
      { weight: 1, arbitrary: fc.constantFrom("^", "$") },
    ),
    pattern: fc.oneof(
      { weight: 4, arbitrary: fc.array(tie("piece"), { maxLength: 5 }).map((ps) => ps.join("")) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.array(tie("piece"), { maxLength: 3 }), fc.array(tie("piece"), { maxLength: 3 }))
          .map(([l, r]) => `${l.join("")}|${r.join("")}`),
      },
    ),
  }));
  return pattern;
}

const SUBJECT_UNITS = [
  "a",
  "b",
  "A",
  "B",
  "/",
  "1",
  "2",
  "é",
  "É",
  "ß",
  "ẞ",
  "x",
  "X",
  " ",
  "\n",
  "😀",
  "\u00a0",
  ".",
];
const subjectArbitrary = fc.string({ unit: fc.constantFrom(...SUBJECT_UNITS), maxLength: 10 });

function expectSetAgreesWithSingles(patterns: readonly SetPatternInput[], subjects: readonly string[]): void {
  const set = compileSet(patterns);
  const singles = patterns.map((p) => compileSingle(p.source, p.ignoreCase));
  for (const subject of subjects) {
    const expected = singles.flatMap((re, k) => (re.test(subject) ? [k] : []));
    expect(set.match(Buffer.from(subject, "utf8")), JSON.stringify({ patterns, subject })).toEqual(expected);
    expect(set.match(subject)).toEqual(expected);
  }
}

describe("toSetPattern / compileSingle", () => {
  it("uses an inline (?i) prefix for case-insensitive members", () => {
    expect(toSetPattern("abc", true)).toBe("(?i)abc");
    expect(toSetPattern("abc", false)).toBe("abc");
    expect(compileSingle("abc", true).flags).toContain("i");
    const set = compileSet([
      { source: "abc", ignoreCase: true },
      { source: "abc", ignoreCase: false },
      { source: "^b", ignoreCase: false },
      { source: "c$", ignoreCase: true },
      { source: "é", ignoreCase: true },
    ]);
    expect(set.anchor).toBe("unanchored");
    expect(set.flags).toBe(SET_FLAGS);
    expect(set.match(Buffer.from("xABCx"))).toEqual([0]);
    expect(set.match(Buffer.from("abC"))).toEqual([0, 3]);
    expect(set.match(Buffer.from("É"))).toEqual([4]);
  });

  it("keeps a stray ) invalid instead of balancing it", () => {
    expect(() => new RE2.Set([toSetPattern("a)(b", true)], SET_FLAGS)).toThrow();
  });

  it("spells out \\Q...\\E so that node-re2's rewrite of / does not change it", () => {
    expect(new RE2("\\Q/api\\E", "u").test("/api")).toBe(false); // the node-re2 quirk
    expect(compileSingle("\\Q/api\\E", false).test("/api")).toBe(true);
    expect(compileSingle("^\\Q/api\\E", false).test("\\/api")).toBe(false);
    expect(compileSet([{ source: "^\\Q/a.b\\E$", ignoreCase: false }]).match("/a.b")).toEqual([0]);
    expect(normalizeForNodeRe2("a\\Q(?<x\\u0041\\E*")).toBe("a\\(\\?<x\\\\u0041*");
    expect(compileSingle("a\\Q(?<x\\u0041\\E", false).test("a(?<x\\u0041")).toBe(true);
    expect(normalizeForNodeRe2("[]a][^]b]")).toBe("[\\]a][^\\]b]");
  });

  it("reads \\Q...\\E without / exactly as node-re2 does", () => {
    const cases: [string, string][] = [
      ["\\Qa.b\\E", "a.b"],
      ["\\Qa.b\\E", "axb"],
      ["\\Qa\\\\E", "a\\"],
      ["\\Qa\\\\\\E", "a\\\\"],
      ["x\\Q\\E*", "xxx"],
      ["\\Q+*?\\E{2}", "+*??"],
      ["\\Q[ab]|(c)", "[ab]|(c)"],
      ["\\Q[ab]|(c)", "a"],
    ];
    for (const [source, subject] of cases) {
      for (const flags of ["u", "iu"]) {
        const raw = new RE2(source, flags).test(subject);
        expect(compileSingle(source, flags === "iu").test(subject), `${source} ${subject}`).toBe(raw);
      }
    }
  });

  it("the u flag does not change matching", () => {
    for (const [source, subject] of [
      ["^.$", "😀"],
      ["é", "É"],
      ["\\w", "ſ"],
    ]) {
      expect(new RE2(source!, "i").test(subject!)).toBe(new RE2(source!, "iu").test(subject!));
    }
  });

  it("set membership agrees with the single regex (property)", () => {
    const member = fc.record({
      source: fc.oneof(
        { weight: 4, arbitrary: patternArbitrary(SAFE_ATOMS) },
        {
          weight: 1,
          arbitrary: patternArbitrary([...SAFE_ATOMS, ...RE2_ATOMS]),
        },
      ),
      ignoreCase: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(member, { minLength: 1, maxLength: 6 }),
        fc.array(subjectArbitrary, { minLength: 1, maxLength: 4 }),
        (patterns, subjects) => {
          for (const p of patterns) {
            const errors = checkRegex(p.source, p.ignoreCase ? "i" : "").filter((d) => d.code !== "RRC4004");
            expect(errors, p.source).toEqual([]);
          }
          expectSetAgreesWithSingles(patterns, subjects);
        },
      ),
      { numRuns: 2500 },
    );
  });

  it("agrees with JavaScript (u flag) on pieces both read the same way (property)", () => {
    fc.assert(
      fc.property(
        patternArbitrary(SAFE_ATOMS),
        fc.boolean(),
        subjectArbitrary,
        (source, ignoreCase, subject) => {
          expect(checkRegex(source, ignoreCase ? "i" : "")).toEqual([]);
          const js = new RegExp(source, ignoreCase ? "iu" : "u").test(subject);
          expect(
            compileSingle(source, ignoreCase).test(subject),
            `${source} ${JSON.stringify(subject)}`,
          ).toBe(js);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
