import { describe, expect, it } from "vitest";
import { checkRegex, formatRe2Message, type RegexProblem } from "../../compiler/regex/check.ts";

type Expected = [code: RegexProblem["code"], offset: number, length: number];

// [pattern, flags, expected problems (code, offset, length) in order]
const TABLE: [string, string, Expected[]][] = [
  // fine
  ["^/api/v\\d+/users/[^/]+$", "", []],
  ["", "", []],
  ["é", "i", []],
  ["\\u00e9|\\x41|\\cA|\\0", "", []],
  ["(?<id>\\d+)-(?:a|b)", "", []],
  ["[(?=]\\(?=", "", []],
  ["\\\\1", "", []],
  ["a{,3}[\\d-z]", "", []],
  // flags
  ["abc", "g", [["RRC4005", 0, 0]]],
  ["abc", "ii", [["RRC4005", 0, 0]]],
  ["abc", "I", [["RRC4005", 0, 0]]],
  [
    "a(",
    "m",
    [
      ["RRC4005", 0, 0],
      ["RRC4001", 0, 2],
    ],
  ],
  // lookaround: the whole group when it is closed
  ["(?=a)", "", [["RRC4002", 0, 5]]],
  ["a(?!b)c", "", [["RRC4002", 1, 5]]],
  ["x(?<=a(b))y", "", [["RRC4002", 1, 9]]],
  ["(?<!a", "", [["RRC4002", 0, 4]]],
  ["\\[(?=", "i", [["RRC4002", 2, 3]]],
  ["\\Q(?=\\E", "", [["RRC4004", 0, 7]]],
  // backreferences
  ["(a)\\1", "", [["RRC4003", 3, 2]]],
  ["(a)\\12", "", [["RRC4003", 3, 3]]],
  ["(?<n>a)\\k<n>", "", [["RRC4003", 7, 5]]],
  [
    "(?P<n>x)(?P=n)",
    "",
    [
      ["RRC4004", 0, 6],
      ["RRC4003", 8, 6],
    ],
  ],
  ["[\\1]", "", [["RRC4001", 0, 4]]],
  // RE2 and JavaScript read these differently
  ["(?i)abc", "", [["RRC4004", 0, 4]]],
  ["a(?s:.)", "", [["RRC4004", 1, 4]]],
  [
    "(?i-s)x(?U)",
    "",
    [
      ["RRC4004", 0, 6],
      ["RRC4004", 7, 4],
    ],
  ],
  [
    "\\Aab\\z",
    "",
    [
      ["RRC4004", 0, 2],
      ["RRC4004", 4, 2],
    ],
  ],
  ["x\\Z", "", [["RRC4001", 1, 2]]],
  ["(?P<name>x)", "", [["RRC4004", 0, 9]]],
  ["[[:alpha:]]", "", [["RRC4004", 1, 9]]],
  ["[x[:^space:]]", "", [["RRC4004", 2, 10]]],
  [
    "\\pL\\p{Greek}[\\PN]",
    "",
    [
      ["RRC4004", 0, 3],
      ["RRC4004", 3, 9],
      ["RRC4004", 13, 3],
    ],
  ],
  ["\\Qa.b\\E", "", [["RRC4004", 0, 7]]],
  ["a\\Q(b", "", [["RRC4004", 1, 4]]],
  ["\\C", "", [["RRC4004", 0, 2]]],
  ["\\x{e9}", "", [["RRC4004", 0, 6]]],
  ["\\u{1F600}", "", [["RRC4004", 0, 9]]],
  [
    "\\ud83d\\ude00",
    "",
    [
      ["RRC4004", 0, 6],
      ["RRC4004", 6, 6],
    ],
  ],
  ["\\u41", "", [["RRC4004", 0, 4]]],
  ["a\\s+\\S\\s", "", [["RRC4004", 1, 2]]],
  ["[^\\s]", "", [["RRC4004", 2, 2]]],
  ["[]a]", "", [["RRC4004", 1, 1]]],
  ["[^]a]", "", [["RRC4004", 2, 1]]],
  // not RE2 syntax
  ["a{2,1}", "", [["RRC4001", 0, 6]]],
  ["(", "", [["RRC4001", 0, 1]]],
  ["a)", "", [["RRC4001", 0, 2]]],
  ["[a", "", [["RRC4001", 0, 2]]],
  ["a**", "i", [["RRC4001", 0, 3]]],
  ["(?#c)", "", [["RRC4001", 0, 5]]],
  ["[\\b]", "", [["RRC4001", 0, 4]]],
  ["(?<n>x)(?<n>y)", "", [["RRC4001", 0, 14]]],
  [
    "\\pL{1000}",
    "",
    [
      ["RRC4004", 0, 3],
      ["RRC4001", 0, 9],
    ],
  ],
  ["x{1001}", "", [["RRC4001", 0, 7]]],
];

describe("checkRegex", () => {
  it.each(TABLE)("%j /%s", (source, flags, expected) => {
    const problems = checkRegex(source, flags);
    expect(problems.map((p): Expected => [p.code, p.offset, p.length])).toEqual(expected);
    for (const problem of problems) {
      expect(problem.message).toMatch(/^[^A-Z]|^RE2|^POSIX|^Unicode/);
      if (problem.code === "RRC4004") expect(problem.help).toBeTruthy();
    }
  });

  it("has at least 30 cases", () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(30);
  });

  it("puts the RE2 message in diagnostic style", () => {
    expect(checkRegex("a{2,1}", "")[0]?.message).toBe("invalid repetition size: `{2,1}`");
    expect(checkRegex("(", "")[0]?.message).toBe("missing `)`: `(`");
    expect(checkRegex("(?<n>x)(?<n>y)", "")[0]?.message).toBe("duplicate capture group name");
    expect(formatRe2Message("RE2.Set could not be compiled.")).toBe(
      "pattern too large to compile into an RE2.Set",
    );
    expect(formatRe2Message("Invalid thing: a`b")).toBe("invalid thing: `` a`b ``");
  });

  it("names the construct and suggests a portable spelling", () => {
    const [posix] = checkRegex("[[:digit:]]", "");
    expect(posix?.help).toContain("`0-9`");
    const [hex] = checkRegex("\\x{e9}", "");
    expect(hex?.help).toContain("`\\u00E9`");
    const [look] = checkRegex("a(?=b)", "");
    expect(look?.message).toBe("lookahead `(?=` is not supported by RE2");
    const [flag] = checkRegex("a", "gi");
    expect(flag?.message).toBe("unsupported regex flags `gi`");
  });

  it("warns about \\s once per pattern", () => {
    expect(checkRegex("\\s\\s[\\s]\\S", "").filter((p) => p.code === "RRC4004")).toHaveLength(1);
  });
});
