import { describe, expect, it } from "vitest";
import { run } from "./support.ts";

const retain = (...paths: string[]) => ({ op: "retain" as const, paths });

const charge = { id: "ch_1", amount: 100, currency: "eur", customer: { email: "a@b.co" }, metadata: {} };

describe("retain", () => {
  it.each<[string, string[], unknown, unknown]>([
    [
      "top-level fields",
      ["$.id", "$.amount", "$.currency"],
      charge,
      { id: "ch_1", amount: 100, currency: "eur" },
    ],
    [
      "a field of each element, dropping elements without it",
      ["$.data[*].id"],
      { data: [{ id: 1, x: 1 }, { x: 2 }, { id: 3 }], total: 3 },
      { data: [{ id: 1 }, { id: 3 }] },
    ],
    [
      "the structure leading to every descendant match",
      ["$..ssn"],
      { name: "n", ssn: 1, a: { b: [{ ssn: 2, x: 1 }, { y: 2 }], z: 0 } },
      { ssn: 1, a: { b: [{ ssn: 2 }] } },
    ],
    ["one array element", ["$.items[1]"], { items: ["a", "b", "c"], n: 3 }, { items: ["b"] }],
    [
      "array elements in document order, whatever the path order",
      ["$.items[2]", "$.items[0]"],
      { items: ["a", "b", "c"] },
      { items: ["a", "c"] },
    ],
    [
      "a selected container whole",
      ["$.customer"],
      { id: 1, customer: { email: "e", address: { city: "c" } } },
      { customer: { email: "e", address: { city: "c" } } },
    ],
    ["a selected empty container", ["$.metadata"], charge, { metadata: {} }],
    ["a wildcard", ["$.a.*"], { a: { b: 1, c: [2] }, d: 3 }, { a: { b: 1, c: [2] } }],
    ["a node and a node inside it", ["$.a", "$.a.b"], { a: { b: 1, c: 2 }, d: 3 }, { a: { b: 1, c: 2 } }],
    ["from an array root", ["$[*].id"], [{ id: 1, x: 1 }, { x: 2 }], [{ id: 1 }]],
    ["the root", ["$"], { a: 1 }, { a: 1 }],
    ["a scalar root selected by $", ["$"], "text", "text"],
    ["nothing, from an object root", ["$.nope"], { a: 1 }, {}],
    ["nothing, from an array root", ["$.nope"], [1, 2], []],
    ["nothing, from a scalar root", ["$.nope"], 42, null],
  ])("keeps %s", (_, paths, input, expected) => {
    expect(run(retain(...paths), input)).toStrictEqual(expected);
  });

  it("keeps key order of the document, not of the paths", () => {
    const output = run(retain("$.c", "$.a"), { a: 1, b: 2, c: 3 });
    expect(Object.keys(output as object)).toEqual(["a", "c"]);
  });

  it("returns the input itself when everything is selected", () => {
    const input = { a: 1, b: [2] };
    expect(run(retain("$.a", "$.b"), input)).toBe(input);
  });
});
