import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSingle } from "../../compiler/regex/set-pattern.ts";
import { compilePathMatcher } from "../../runtime/request/path-matcher.ts";

const PATTERNS = [
  "^/v1/",
  "^/v1",
  "^/",
  "^",
  "^/a-b_c~d%2F:@!,;=&'",
  "^/v1.",
  "^/v1/$",
  "/v1/",
  "^/v1/(items)?",
  "^/V1/",
  "^/v1/\\d",
];
const PATHS = ["/", "/v1", "/v1/", "/v1/items/42", "/V1/x", "/v1x", "/a-b_c~d%2F:@!,;=&'/z", "/x/v1/", ""];

describe("compilePathMatcher", () => {
  it("answers exactly as RE2 for literal prefixes and everything else", () => {
    for (const pattern of PATTERNS) {
      for (const ignoreCase of [false, true]) {
        const reference = compileSingle(pattern, ignoreCase);
        const matcher = compilePathMatcher(pattern, ignoreCase);
        for (const path of PATHS)
          expect([pattern, path, matcher.test(path)]).toEqual([pattern, path, reference.test(path)]);
      }
    }
  });

  it("agrees with RE2 on random literal prefixes and paths", () => {
    const piece = fc.string({ unit: fc.constantFrom(..."/abAB09-_~%:@."), maxLength: 8 });
    fc.assert(
      fc.property(piece, piece, (prefix, path) => {
        const pattern = `^${prefix}`;
        const reference = compileSingle(pattern, false);
        const matcher = compilePathMatcher(pattern, false);
        expect(matcher.test(path)).toBe(reference.test(path));
        expect(matcher.test(prefix + path)).toBe(reference.test(prefix + path));
      }),
      { numRuns: 2_000 },
    );
  });
});
