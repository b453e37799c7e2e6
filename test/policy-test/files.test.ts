// Reading test files: JSON and YAML give the same cases, and every problem is a
// catalogue diagnostic at the exact line and column.
import { afterAll, describe, expect, it } from "vitest";
import { DiagnosticBag } from "../../compiler/diagnostics/diagnostic.ts";
import { findTestFiles, readTestFile } from "../../compiler/policy-test/files.ts";
import { workspace } from "./support.ts";

const space = workspace("rrc-policy-test-files-");
afterAll(() => space.dispose());

function read(name: string, text: string) {
  const file = space.write(name, text);
  const bag = new DiagnosticBag();
  const parsed = readTestFile(file, space.root, bag);
  const found = bag.sorted().map((item) => ({
    code: item.code,
    message: item.message,
    at: item.span ? `${item.span.file}:${item.span.line}:${item.span.column}` : null,
  }));
  return { parsed, found };
}

const JSON_CASES = `{
  // comments are allowed, as in policies
  "cases": [
    {
      "name": "one",
      "request": { "proxy": "p", "credential": "c", "method": "GET", "path": "/", "query": { "q": ["1", "2"] } },
      "expect": { "verdict": "allow", "rule": null }
    }
  ]
}
`;

const YAML_CASES = `cases:
  - name: one
    request:
      proxy: p
      credential: c
      method: GET
      path: /
      query: { q: ["1", "2"] }
    expect:
      verdict: allow
      rule: null
`;

describe("test files", () => {
  it("JSON and YAML read to the same cases, each located at its name", () => {
    const json = read("same.test.json", JSON_CASES);
    const yaml = read("same.test.yaml", YAML_CASES);
    expect(json.found).toEqual([]);
    expect(yaml.found).toEqual([]);
    const plain = (file: typeof json.parsed) =>
      file!.cases.map(({ name, request, expect }) => ({ name, request, expect }));
    expect(plain(yaml.parsed)).toEqual(plain(json.parsed));
    expect(json.parsed!.cases[0]!.span).toMatchObject({ line: 5, column: 15 });
    expect(yaml.parsed!.cases[0]!.span).toMatchObject({ line: 2, column: 11 });
  });

  it("JSON schema errors point at the key or value", () => {
    const { parsed, found } = read(
      "bad.test.json",
      `{
  "cases": [
    { "name": "a", "request": { "proxy": "p", "credential": "c", "method": "GET", "path": 7 },
      "expect": { "verdict": "permit", "rule": 3 }, "extra": true },
    { "name": "", "request": { "proxy": "p", "credential": "c", "method": "GET", "path": "/", "claims": [] },
      "expect": {} }
  ]
}
`,
    );
    expect(parsed).toBeNull();
    expect(found).toEqual([
      { code: "RRC2002", message: "expected string, found number", at: "bad.test.json:3:91" },
      { code: "RRC2004", message: "`permit` is not allowed here", at: "bad.test.json:4:30" },
      { code: "RRC2002", message: "expected string or null, found number", at: "bad.test.json:4:48" },
      { code: "RRC2001", message: "unknown field `extra`", at: "bad.test.json:4:53" },
      { code: "RRC2007", message: "a case needs a non-empty name", at: "bad.test.json:5:15" },
      { code: "RRC2002", message: "expected object or null, found array", at: "bad.test.json:5:105" },
      { code: "RRC2003", message: "`expect` names nothing to check", at: "bad.test.json:6:17" },
    ]);
  });

  it("YAML schema errors point at the key or value", () => {
    const { parsed, found } = read(
      "bad.test.yaml",
      `cases:
  - name: a
    request: { proxy: p, credential: c, method: GET, path: / }
    expect:
      status: "200"
      sope: proxy
`,
    );
    expect(parsed).toBeNull();
    expect(found).toEqual([
      { code: "RRC2002", message: "expected integer, found string", at: "bad.test.yaml:5:15" },
      { code: "RRC2001", message: "unknown field `sope`", at: "bad.test.yaml:6:7" },
    ]);
  });

  it("a missing field points at the object that lacks it", () => {
    const { found } = read("missing.test.yaml", "cases:\n  - name: a\n    expect: { verdict: deny }\n");
    expect(found).toEqual([
      { code: "RRC2003", message: "missing required field `request`", at: "missing.test.yaml:2:5" },
    ]);
  });

  it("malformed YAML, duplicate keys and several documents are errors", () => {
    expect(read("broken.test.yaml", "cases: [\n").found).toMatchObject([
      { code: "RRC1002", at: "broken.test.yaml:2:1" },
    ]);
    expect(read("dup.test.yaml", "cases: []\ncases: []\n").found).toEqual([
      { code: "RRC1007", message: "duplicate key", at: "dup.test.yaml:2:1" },
    ]);
    expect(read("docs.test.yaml", "cases: []\n---\ncases: []\n").found[0]).toMatchObject({ code: "RRC1002" });
  });

  it("malformed JSON and duplicate JSON keys are errors, as in policies", () => {
    expect(read("broken.test.json", '{ "cases": [ }').found[0]).toMatchObject({ code: "RRC1002" });
    expect(read("dup.test.json", '{ "cases": [], "cases": [] }').found[0]).toMatchObject({
      code: "RRC1007",
      at: "dup.test.json:1:16",
    });
  });

  it("an empty case list is an error", () => {
    expect(read("empty.test.json", '{ "cases": [] }').found).toEqual([
      { code: "RRC2007", message: "a test file needs at least one case", at: "empty.test.json:1:12" },
    ]);
  });

  it("YAML keeps `yes` a string and `__proto__` an ordinary key", () => {
    const { found } = read(
      "proto.test.yaml",
      `cases:
  - name: yes
    request: { proxy: p, credential: c, method: GET, path: /, headers: { __proto__: x } }
    expect: { verdict: deny }
`,
    );
    expect(found).toEqual([]);
    const { parsed } = read(
      "proto2.test.yaml",
      "cases:\n  - name: yes\n    request: { proxy: p, credential: c, method: GET, path: /, body: { __proto__: 1 } }\n    expect: { verdict: deny }\n",
    );
    const body = parsed!.cases[0]!.request.body as Record<string, unknown>;
    expect(parsed!.cases[0]!.name).toBe("yes");
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.keys(body)).toEqual(["__proto__"]);
  });

  it("finds *.test.json and *.test.yaml/.yml in sorted order, skipping other files", () => {
    for (const name of [
      "dir/b.test.yml",
      "dir/a.test.json",
      "dir/sub/c.test.yaml",
      "dir/cases.json",
      "dir/.hidden.test.json",
    ]) {
      space.write(name, "cases: []\n");
    }
    const bag = new DiagnosticBag();
    const found = findTestFiles(["dir"], space.root, bag).map((file) => file.slice(space.root.length + 1));
    expect(found).toEqual(["dir/a.test.json", "dir/b.test.yml", "dir/sub/c.test.yaml"]);
    expect(findTestFiles(["nope"], space.root, bag)).toEqual([]);
    expect(bag.sorted()[0]).toMatchObject({ code: "RRC1001", message: "test path `nope` not found" });
  });
});
