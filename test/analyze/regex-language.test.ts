// The automata must mean what RE2 means on canonical paths: random patterns (RE2 syntax,
// search semantics, flags) against random canonical paths, the canonical-path language
// against the canonicaliser itself, and the constructs that are refused rather than guessed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyCanonicalPath, canonicalPaths } from "../../compiler/analyze/canonical.ts";
import { accepts, intersect, patternLanguage } from "../../compiler/analyze/language.ts";
import { witnesses } from "../../compiler/analyze/product.ts";
import { parsePattern } from "../../compiler/analyze/regex-parse.ts";
import { literalPrefix, provenPath } from "../../compiler/analyze/shortcuts.ts";
import { compileSet } from "../../compiler/regex/set-pattern.ts";
import { canonicalizePath } from "../../runtime/request/canonical-path.ts";

const ATOMS = [
  "a",
  "b",
  "A",
  "/",
  "\\.",
  ".",
  "-",
  "_",
  "~",
  "%",
  "2",
  "F",
  "é",
  "k",
  ";",
  "=",
  "[ab]",
  "[^a/]",
  "[a-c]",
  "[[:alpha:]]",
  "[[:^digit:]]",
  "[]a]",
  "\\d",
  "\\w",
  "\\W",
  "\\s",
  "\\S",
  "\\pL",
  "\\p{Lu}",
  "\\PL",
  "\\x61",
  "\\x{2F}",
  "\\Q/a.\\E",
  "\\C",
  "(?i:a)",
  "(?s:.)",
  "\\/",
  "\\%",
];
const QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?", "{2,}?"];

// Small patterns: the point is every construct and their mixes, not size (the state budget has its own test).
const pattern: fc.Arbitrary<string> = fc.letrec<{ alt: string; seq: string; item: string }>((tie) => ({
  alt: fc.array(tie("seq"), { minLength: 1, maxLength: 2 }).map((parts) => parts.join("|")),
  seq: fc.array(tie("item"), { minLength: 1, maxLength: 3 }).map((parts) => parts.join("")),
  item: fc.oneof(
    { maxDepth: 2, withCrossShrink: true },
    fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...QUANTIFIERS)).map(([atom, q]) => atom + q),
    fc
      .tuple(tie("alt"), fc.constantFrom("(", "(?:", "(?P<n>", "(?i:"), fc.constantFrom(...QUANTIFIERS))
      .map(([inner, open, q]) => `${open}${inner})${q}`),
  ),
})).alt;

const anchoredPattern = fc
  .tuple(fc.boolean(), pattern, fc.boolean(), fc.constantFrom("", "", "(?i)"))
  .map(([start, body, end, flags]) => `${flags}${start ? "^" : ""}(?:${body})${end ? "$" : ""}`);

const SEGMENTS = [
  "a",
  "b",
  "ab",
  "A",
  "aa",
  "k",
  ".",
  "..",
  "",
  "%61",
  "%2f",
  "%2F",
  "é",
  "a;b",
  "%2541",
  "%25",
  "x.y",
  "~",
  "=",
  "%7E",
  "2F",
  "%C3%A9",
  "bb",
];
const rawPath = fc
  .array(fc.constantFrom(...SEGMENTS), { maxLength: 5 })
  .map((parts) => `/${parts.join("/")}`);
const OPTIONS = { allowPathParameters: true, allowDoubleEncoding: true };

describe("pattern languages", () => {
  it("accept exactly the canonical paths RE2 matches", () => {
    const canonical = anyCanonicalPath();
    fc.assert(
      fc.property(
        anchoredPattern,
        fc.boolean(),
        fc.array(rawPath, { minLength: 20, maxLength: 20 }),
        (source, i, raws) => {
          const built = patternLanguage(source, i);
          if (!built.ok) return; // refused constructs are tested below
          const language = intersect(built.language, canonical);
          // The gateway matches with an RE2.Set (which, unlike one RE2 object, allows repeated group names).
          const regex = compileSet([{ source, ignoreCase: i }]);
          for (const raw of raws) {
            const result = canonicalizePath(raw, OPTIONS);
            if (!result.ok) continue;
            expect(accepts(language, result.path), `${source} (i=${i}) on ${result.path}`).toBe(
              regex.test(result.path),
            );
          }
          for (const path of witnesses(language, 3))
            expect(regex.test(path), `${source}: witness ${path}`).toBe(true);
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });

  it("prefixes and proven paths are sound: every word starts with the prefix; the path matches", () => {
    const canonical = anyCanonicalPath();
    fc.assert(
      fc.property(anchoredPattern, fc.boolean(), (source, i) => {
        const parsed = parsePattern(source, i);
        if (!parsed.ok) return;
        const built = patternLanguage(source, i);
        if (!built.ok) return;
        const language = intersect(built.language, canonical);
        const prefix = literalPrefix(parsed.root);
        for (const path of witnesses(language, 5)) expect(path.toLowerCase().startsWith(prefix)).toBe(true);
        const proven = provenPath(source, i, parsed.root);
        if (proven !== null) expect(accepts(language, proven)).toBe(true);
      }),
      { numRuns: 100, seed: 9 },
    );
  });

  it("the canonical-path language holds every path the canonicaliser produces", () => {
    const strict = canonicalPaths({ allowPathParameters: false, allowDoubleEncoding: false });
    const loose = anyCanonicalPath();
    const raw = fc.array(
      fc.constantFrom(...SEGMENTS, "%00", "%5C", "%E2%82%AC", "%ZZ", "a b", "!$&'()*+,", ":@", "%3b"),
      {
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(raw, fc.boolean(), (parts, slashes) => {
        const path = `/${parts.join(slashes ? "//" : "/")}`;
        const looseResult = canonicalizePath(path, OPTIONS);
        if (looseResult.ok) expect(accepts(loose, looseResult.path), looseResult.path).toBe(true);
        const strictResult = canonicalizePath(path, {
          allowPathParameters: false,
          allowDoubleEncoding: false,
        });
        if (strictResult.ok) expect(accepts(strict, strictResult.path), strictResult.path).toBe(true);
      }),
      { numRuns: 2000, seed: 3 },
    );
    for (const path of ["/a//b", "/./a", "/a/..", "/%41", "a", "/%2F", "/%2e", "/%c3"]) {
      expect(accepts(loose, path), path).toBe(false);
    }
    expect(accepts(strict, "/a;b")).toBe(false);
    expect(accepts(strict, "/%2541")).toBe(false);
  });
});

describe("patterns the analysis does not model", () => {
  it.each([
    ["\\bv1\\b", "a word boundary"],
    ["a\\B", "a word boundary"],
    ["a^b", "a `^` that is not at the start"],
    ["(^a)*", "a `^` that is not at the start"],
    ["a$b", "a `$` that is not at the end"],
  ])("`%s` is refused: %s", (source, reason) => {
    const built = patternLanguage(source, false);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.reason).toContain(reason);
  });

  it("gives up on an automaton explosion within the state budget, quickly", () => {
    const started = performance.now();
    const built = patternLanguage("(a|b)*a(a|b){20}", false);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.reason).toMatch(/more than \d+ states/);
    // Not a timing test: a generous bound that only a hang or a full blow-up would miss.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
