// The literal-prefix disjointness test must never call overlapping patterns disjoint.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { disjoint, literalPrefix } from "../../compiler/matrix/prefix.ts";
import { compileSingle } from "../../compiler/regex/set-pattern.ts";

const p = (source: string, ignoreCase = false) => ({ source, ignoreCase });

describe("literal prefixes", () => {
  it.each([
    ["^/api/users(/.*)?$", "/api/users"],
    ["^/v1/charges$", "/v1/charges"],
    ["^/a\\.b\\/c", "/a.b/c"],
    ["^/items?", "/item"],
    ["^/ab*", "/a"],
    ["^/ab+", "/a"],
    ["^/a{2}", "/"],
    ["^/\\d+", "/"],
    ["^(/a)", ""],
    ["^/é😀*", "/é"],
  ])("%s → %s", (source, prefix) => {
    expect(literalPrefix(source)).toBe(prefix);
  });

  it.each(["/api", "^/a|^/b", "^/a|/b", "(?i)^/a"])("%s has none", (source) => {
    expect(literalPrefix(source)).toBeNull();
  });

  it("alternation inside groups and classes keeps the anchor", () => {
    expect(literalPrefix("^/v1/(a|b)")).toBe("/v1/");
    expect(literalPrefix("^/x[|]")).toBe("/x");
    expect(literalPrefix("^/x[]|]")).toBe("/x");
    expect(literalPrefix("^/x\\|y")).toBe("/x|y");
  });
});

describe("disjoint", () => {
  it("differing anchored prefixes are disjoint; anything else may overlap", () => {
    expect(disjoint(p("^/api/users"), p("^/api/admin"))).toBe(true);
    expect(disjoint(p("^/api"), p("^/api/admin"))).toBe(false);
    expect(disjoint(p("^/api/users"), p("admin"))).toBe(false);
    expect(disjoint(p("^/Users"), p("^/users", true))).toBe(false);
    expect(disjoint(p("^/Users"), p("^/admin", true))).toBe(true);
    expect(disjoint(p("^/K"), p("^/\u212a", true))).toBe(false);
  });

  const ALPHABET = ["/", "a", "b", "A", ".", "é"];
  const piece = fc.constantFrom(
    "a",
    "b",
    "A",
    "/",
    "\\.",
    ".",
    "a*",
    "b?",
    "(a|b)",
    "[ab]",
    "\\d",
    "é",
    "|",
    "$",
  );
  const patternArb = fc
    .tuple(fc.boolean(), fc.array(piece, { maxLength: 5 }))
    .map(([anchored, parts]) => `${anchored ? "^" : ""}${parts.join("")}`);

  it("never calls two patterns disjoint when some string matches both", () => {
    const strings = fc.sample(
      fc.array(fc.constantFrom(...ALPHABET), { maxLength: 6 }).map((parts) => parts.join("")),
      {
        numRuns: 400,
        seed: 7,
      },
    );
    fc.assert(
      fc.property(patternArb, patternArb, fc.boolean(), (a, b, ignoreCase) => {
        if (!disjoint(p(a, ignoreCase), p(b))) return;
        const left = compileSingle(a, ignoreCase);
        const right = compileSingle(b, false);
        for (const text of strings)
          expect(left.test(text) && right.test(text), `${a} / ${b} on ${text}`).toBe(false);
      }),
      { numRuns: 1500, seed: 11 },
    );
  });
});
