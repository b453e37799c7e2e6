import { describe, expect, it } from "vitest";
import { run } from "./support.ts";

const destroy = (...paths: string[]) => ({ op: "destroy" as const, paths });

describe("destroy", () => {
  it.each<[string, string[], unknown, unknown]>([
    ["a property", ["$.a"], { a: 1, b: 2 }, { b: 2 }],
    ["a nested property", ["$.a.b.c"], { a: { b: { c: 1, d: 2 } }, e: 3 }, { a: { b: { d: 2 } }, e: 3 }],
    [
      "through an array of objects",
      ["$.data[*].card.number"],
      {
        data: [
          { id: 1, card: { number: "4111", exp: "12/30" } },
          { id: 2 },
          { id: 3, card: { number: "5555" } },
        ],
      },
      { data: [{ id: 1, card: { exp: "12/30" } }, { id: 2 }, { id: 3, card: {} }] },
    ],
    [
      "a descendant at every depth",
      ["$..ssn"],
      { ssn: 1, a: { ssn: 2, b: [{ ssn: 3, x: 1 }, { c: { ssn: { ssn: 4 } } }] } },
      { a: { b: [{ x: 1 }, { c: {} }] } },
    ],
    ["an array element", ["$.items[1]"], { items: ["a", "b", "c"] }, { items: ["a", "c"] }],
    [
      "several elements of one array, without shifting",
      ["$.items[0]", "$.items[2]"],
      { items: ["a", "b", "c", "d"] },
      { items: ["b", "d"] },
    ],
    ["every element", ["$.items[*]"], { items: [1, 2] }, { items: [] }],
    ["every property", ["$.*"], { a: 1, b: { c: 2 } }, {}],
    ["everything below the root", ["$..*"], { a: [1, { b: 2 }] }, {}],
    ["a quoted name", ["$['a b']"], { "a b": 1, a: 2 }, { a: 2 }],
    ["a node and a node inside it", ["$.a", "$.a.b"], { a: { b: 1 }, c: 2 }, { c: 2 }],
    [
      "a descendant index",
      ["$..list[0]"],
      { list: [1, 2], x: { list: [3] } },
      { list: [2], x: { list: [] } },
    ],
    ["elements of an array root", ["$[0]"], [{ a: 1 }, { b: 2 }], [{ b: 2 }]],
    ["the root", ["$"], { a: 1 }, null],
    ["a name that is not there", ["$.z", "$.a.z", "$[0]"], { a: { b: 1 } }, { a: { b: 1 } }],
    ["a name on an array (names select object members only)", ["$.length"], [1, 2], [1, 2]],
  ])("removes %s", (_, paths, input, expected) => {
    expect(run(destroy(...paths), input)).toStrictEqual(expected);
  });

  it("returns the input itself when nothing is selected", () => {
    const input = { a: { b: [1, 2] } };
    expect(run(destroy("$.x"), input)).toBe(input);
  });

  it("shares the subtrees it does not touch", () => {
    const input = { a: { b: 1 }, c: { d: 2 } };
    const output = run(destroy("$.a.b"), input) as typeof input;
    expect(output.c).toBe(input.c);
    expect(output).not.toBe(input);
  });

  it("keeps key order", () => {
    const output = run(destroy("$.b"), { c: 1, b: 2, a: 3 });
    expect(Object.keys(output as object)).toEqual(["c", "a"]);
  });
});
