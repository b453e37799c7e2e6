// JUnit XML: well-formed whatever the case names hold, one <testsuite> per test file,
// counts that add up, and the coverage check as a suite of its own with --min-coverage.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { xmlAttribute, xmlText } from "../../compiler/policy-test/xml.ts";
import { runCli } from "../support/run-cli.ts";
import { request, SMALL_POLICY, workspace } from "./support.ts";
import { parseXml, type XmlElement } from "./xml-check.ts";

const space = workspace("rrc-policy-test-junit-");
afterAll(() => space.dispose());

const HOSTILE = `<b>&amp; "quoted" 'single' ]]> \${x} \u0001 bell\u0007 tab\tline\nbreak \uFFFF \uD800 é 😀`;
const policy = space.write("policy/policy.json", SMALL_POLICY);
const first = space.write("tests/a.test.json", {
  cases: [
    { name: HOSTILE, request: request("GET", "/items"), expect: { verdict: "allow" } },
    {
      name: "fails </testcase>",
      request: request("GET", "/secrets"),
      expect: { verdict: "allow", rule: "<read>" },
    },
  ],
});
space.write(
  "tests/b.test.yaml",
  "cases:\n  - name: bob reads\n    request: { proxy: shop, credential: bob, method: GET, path: /items }\n    expect: { rule: read }\n",
);

const elements = (parent: XmlElement, name: string) => parent.children.filter((child) => child.name === name);

describe("rrc test --format junit", () => {
  const result = runCli(["test", policy, join(space.root, "tests"), "--format", "junit"]);
  const root = parseXml(result.stdout);

  it("is well-formed, with one testsuite per test file and counts that add up", () => {
    expect(result.status).toBe(1);
    expect(result.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(root.name).toBe("testsuites");
    expect(root.attributes).toMatchObject({ tests: "3", failures: "1", errors: "0" });
    const suites = elements(root, "testsuite");
    expect(suites.map((suite) => suite.attributes.name)).toEqual([
      first,
      join(space.root, "tests", "b.test.yaml"),
    ]);
    expect(suites.map((suite) => [suite.attributes.tests, suite.attributes.failures])).toEqual([
      ["2", "1"],
      ["1", "0"],
    ]);
    for (const suite of suites) {
      for (const testCase of elements(suite, "testcase")) {
        expect(testCase.attributes.classname).toBe(suite.attributes.name);
        expect(testCase.attributes.time).toMatch(/^\d+\.\d{3}$/);
      }
    }
  });

  it("keeps hostile names intact, writing what XML cannot carry as \\u escapes", () => {
    const [hostile, failing] = elements(elements(root, "testsuite")[0]!, "testcase");
    const carried = HOSTILE.replace("\u0001", "\\u0001")
      .replace("\u0007", "\\u0007")
      .replace("\uFFFF", "\\uffff")
      .replace("\uD800", "\\ud800");
    expect(hostile!.attributes.name).toBe(carried);
    expect(hostile!.children).toEqual([]);
    expect(failing!.attributes.name).toBe("fails </testcase>");
    const [failure] = elements(failing!, "failure");
    expect(failure!.attributes).toMatchObject({
      type: "mismatch",
      message: "verdict: expected `allow`, got `deny`; rule:    expected `<read>`, got `no-secrets`",
    });
    expect(failure!.text).toContain("decision: deny 403 rule-denied, target rule `no-secrets`");
  });

  it("adds the coverage check as a suite with --min-coverage", () => {
    const passing = runCli([
      "test",
      policy,
      join(space.root, "tests", "b.test.yaml"),
      "--format",
      "junit",
      "--min-coverage",
      "80",
    ]);
    expect(passing.status).toBe(1);
    const tree = parseXml(passing.stdout);
    expect(tree.attributes).toMatchObject({ tests: "2", failures: "1" });
    const coverage = elements(tree, "testsuite").find(
      (suite) => suite.attributes.name === "rrc rule coverage",
    )!;
    const [failure] = elements(elements(coverage, "testcase")[0]!, "failure");
    expect(failure!.attributes.message).toBe("rule coverage 1/4 rules (25%), minimum 80%");
    expect(failure!.text).toContain("proxy `shop` rule `write`");
  });
});

describe("xml escaping", () => {
  it("escapes markup and keeps whitespace in attributes", () => {
    expect(xmlText("a<b>&c]]>")).toBe("a&lt;b&gt;&amp;c]]&gt;");
    expect(xmlAttribute(`"'\t\n\r`)).toBe("&quot;&apos;&#9;&#10;&#13;");
    expect(parseXml(`<a v="${xmlAttribute('x\ny\tz "q"')}"/>`).attributes.v).toBe('x\ny\tz "q"');
  });
  it("the checker rejects what is not well-formed", () => {
    for (const bad of [
      "<a>",
      "<a></b>",
      '<a v="<"/>',
      "<a>&x;</a>",
      "<a>&</a>",
      "<a/><b/>",
      '<a v="1" v="2"/>',
      "<a>\u0001</a>",
    ]) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});
