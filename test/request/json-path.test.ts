import { describe, expect, it } from "vitest";
import { parseJsonBody } from "../../runtime/request/json-body.ts";
import {
  isValidClaimPath,
  type JsonPathSegment,
  parseJsonPath,
  selectClaim,
  selectJsonPath,
} from "../../runtime/request/json-path.ts";

function segments(source: string): JsonPathSegment[] {
  const result = parseJsonPath(source);
  if (!result.ok) throw new Error(`${source}: ${result.message} at ${result.offset}`);
  return result.segments;
}

function select(doc: unknown, source: string): unknown[] {
  const out: unknown[] = [];
  selectJsonPath(doc, segments(source), out);
  return out;
}

function json(text: string): unknown {
  const result = parseJsonBody(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe("parseJsonPath", () => {
  it.each<[string, JsonPathSegment[]]>([
    ["$", []],
    ["$.a", [{ kind: "child", name: "a" }]],
    [
      "$.a_b-c$9.0x",
      [
        { kind: "child", name: "a_b-c$9" },
        { kind: "child", name: "0x" },
      ],
    ],
    ["$['a b']", [{ kind: "child", name: "a b" }]],
    ['$["a\'b"]', [{ kind: "child", name: "a'b" }]],
    ["$['a\\'b\\\\c\\\"']", [{ kind: "child", name: "a'b\\c\"" }]],
    ["$['']", [{ kind: "child", name: "" }]],
    ["$['.[]*$']", [{ kind: "child", name: ".[]*$" }]],
    ["$[0]", [{ kind: "index", index: 0 }]],
    [
      "$[42][7]",
      [
        { kind: "index", index: 42 },
        { kind: "index", index: 7 },
      ],
    ],
    ["$[*]", [{ kind: "wildcard" }]],
    ["$.*", [{ kind: "wildcard" }]],
    ["$..a", [{ kind: "descendant", name: "a" }]],
    ["$..['a.b']", [{ kind: "descendant", name: "a.b" }]],
    ['$..["x"]', [{ kind: "descendant", name: "x" }]],
    ["$..*", [{ kind: "descendant-wildcard" }]],
    ["$..[*]", [{ kind: "descendant-wildcard" }]],
    [
      "$.items[*].price",
      [{ kind: "child", name: "items" }, { kind: "wildcard" }, { kind: "child", name: "price" }],
    ],
  ])("%s", (source, expected) => {
    expect(parseJsonPath(source)).toEqual({ ok: true, segments: expected });
  });

  it.each<[string, number]>([
    ["", 0],
    ["a", 0],
    [".a", 0],
    ["$$", 1],
    ["$a", 1],
    ["$.", 2],
    ["$.a.", 4],
    ["$..", 3],
    ["$...a", 3],
    ["$.a b", 3],
    ["$.é", 2],
    ["$[", 2],
    ["$[]", 2],
    ["$[-1]", 2],
    ["$[01]", 2],
    ["$[1", 3],
    ["$[1.5]", 3],
    ["$[99999999999999999999]", 2],
    ["$[ 1]", 2],
    ["$['a'", 5],
    ["$['a", 2],
    ["$['a\\n']", 4],
    ["$[a]", 2],
    ["$[?(@.a)]", 2],
    ["$[0:2]", 3],
    ["$[0,1]", 3],
    ["$..[0]", 4],
    ["$.a[*", 5],
    ["$ ", 1],
  ])("refuses %j at offset %i", (source, offset) => {
    const result = parseJsonPath(source);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.offset).toBe(offset);
      expect(result.message).toMatch(/^[a-z][^A-Z]*$/);
    }
  });
});

describe("selectJsonPath", () => {
  const doc = json(`{
    "a": 1,
    "b": {"c": [10, 20, {"a": 2}], "d": null},
    "items": [{"price": 5, "name": "x"}, {"price": 7}, {"name": "y"}],
    "e": {"a": {"a": 3}}
  }`);

  it.each<[string, unknown[]]>([
    ["$", [doc]],
    ["$.a", [1]],
    ["$['a']", [1]],
    ["$.b.c[1]", [20]],
    ["$.b.c[3]", []],
    ["$.b.d", [null]],
    ["$.missing", []],
    ["$.a.b", []],
    ["$.b.c.length", []],
    ["$.b.c['0']", []],
    ["$.a[0]", []],
    ["$.items[*].price", [5, 7]],
    ["$.items.*.name", ["x", "y"]],
    ["$.b.*", [[10, 20, { a: 2 }], null]],
    ["$..price", [5, 7]],
    ["$..a", [1, 2, { a: 3 }, 3]],
    ["$.e..a", [{ a: 3 }, 3]],
    ["$..a.a", [3]],
    ["$..c[2].a", [2]],
    ["$.b..*", [[10, 20, { a: 2 }], null, 10, 20, { a: 2 }, 2]],
    ["$.e..*", [{ a: 3 }, 3]],
    ["$.a..*", []],
    ["$..['name']", ["x", "y"]],
  ])("%s", (source, expected) => {
    expect(select(doc, source)).toEqual(expected);
  });

  it("visits a node before its children for `..` (RFC 9535 order)", () => {
    const tree = json('{"x": {"k": 1, "y": {"k": 2}}, "z": [{"k": 3}], "k": 0}');
    expect(select(tree, "$..k")).toEqual([0, 1, 2, 3]);
    expect(select(json("[[1,[2]],3]"), "$..*")).toEqual([[1, [2]], 3, 1, [2], 2]);
  });

  it("applies to scalars at the root", () => {
    expect(select(5, "$")).toEqual([5]);
    expect(select(5, "$.a")).toEqual([]);
    expect(select("str", "$[0]")).toEqual([]);
    expect(select(null, "$..*")).toEqual([]);
  });

  it("never reads the prototype chain", () => {
    expect(select({}, "$.constructor")).toEqual([]);
    expect(select({}, "$.toString")).toEqual([]);
    expect(select({}, "$.__proto__")).toEqual([]);
    expect(select({}, "$..constructor")).toEqual([]);
    expect(select([], "$.length")).toEqual([]);
    const own = json('{"__proto__": {"admin": true}}');
    expect(select(own, "$.__proto__.admin")).toEqual([true]);
    expect(select(own, "$..admin")).toEqual([true]);
    const inherited = Object.create({ admin: true }) as object;
    expect(select(inherited, "$.admin")).toEqual([]);
    expect(select(inherited, "$.*")).toEqual([]);
  });

  it("appends to the output array", () => {
    const out: unknown[] = ["before"];
    selectJsonPath({ a: 1 }, segments("$.a"), out);
    expect(out).toEqual(["before", 1]);
  });
});

describe("selectClaim", () => {
  const claims = {
    sub: "user@email.com",
    admin: false,
    level: 3,
    roles: ["a", "b"],
    realm_access: { roles: ["r1"], nested: { deep: "d" } },
    nil: null,
    list: [{ x: 1 }],
  };

  function claim(source: unknown, dotted: string): unknown[] {
    const out: unknown[] = [];
    selectClaim(source, dotted, out);
    return out;
  }

  it.each<[string, unknown[]]>([
    ["sub", ["user@email.com"]],
    ["admin", [false]],
    ["level", [3]],
    ["nil", [null]],
    ["roles", ["a", "b"]],
    ["realm_access.roles", ["r1"]],
    ["realm_access.nested.deep", ["d"]],
    ["realm_access.nested", [{ deep: "d" }]],
    ["missing", []],
    ["sub.length", []],
    ["roles.0", []],
    ["list.x", []],
    ["constructor", []],
    ["__proto__", []],
    ["realm_access.toString", []],
  ])("%s", (dotted, expected) => {
    expect(claim(claims, dotted)).toEqual(expected);
  });

  it("tolerates claims that are not objects", () => {
    expect(claim(null, "sub")).toEqual([]);
    expect(claim(undefined, "sub")).toEqual([]);
    expect(claim("x", "length")).toEqual([]);
  });

  it("reads an own __proto__ claim", () => {
    expect(claim(json('{"__proto__": {"role": "x"}}'), "__proto__.role")).toEqual(["x"]);
  });

  it.each([
    ["sub", true],
    ["a.b.c", true],
    ["", false],
    [".", false],
    ["a.", false],
    [".a", false],
    ["a..b", false],
  ])("isValidClaimPath(%j) = %s", (dotted, expected) => {
    expect(isValidClaimPath(dotted)).toBe(expected);
  });
});
