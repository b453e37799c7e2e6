import { describe, expect, it } from "vitest";
import type { Filter } from "../../compiler/authoring/types.ts";
import { deepFreeze } from "../../runtime/decision/deep-freeze.ts";
import { compileFilters } from "../../runtime/filter/index.ts";
import { json, objectOf, run, stages } from "./support.ts";

const R = "[REDACTED]";

describe("select", () => {
  it("answers null when there are no filters", () => {
    expect(compileFilters(stages({})).select("GET", "/")).toBeNull();
  });

  const filters: Filter[] = [
    { op: "destroy", paths: ["$.a"] },
    { op: "destroy", paths: ["$.b"], match: { methods: ["POST", "PUT"] } },
    { op: "destroy", paths: ["$.c"], match: { path: "^/v1/charges/" } },
    { op: "destroy", paths: ["$.d"], match: { path: "^/V1/CHARGES/", flags: "i" } },
    { op: "destroy", paths: ["$.e"], match: { methods: ["GET"], path: "/refunds$" } },
    { op: "destroy", paths: ["$.f"], match: { methods: [] } },
  ];
  const program = compileFilters(stages({ proxy: filters }));
  const doc = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 };

  it.each<[string, string, string[]]>([
    ["GET", "/other", ["b", "c", "d", "e", "g"]],
    ["POST", "/other", ["c", "d", "e", "g"]],
    ["GET", "/v1/charges/ch_1", ["b", "e", "g"]],
    ["GET", "/V1/Charges/ch_1", ["b", "c", "e", "g"]],
    ["PUT", "/v1/charges/ch_1/refunds", ["e", "g"]],
    ["GET", "/v1/charges/ch_1/refunds", ["b", "g"]],
    ["GET", "/v1/refunds", ["b", "c", "d", "g"]],
    ["DELETE", "/v1/refunds", ["b", "c", "d", "e", "g"]],
  ])("%s %s leaves %j", (method, path, keys) => {
    const plan = program.select(method, path);
    expect(plan).not.toBeNull();
    expect(Object.keys(plan!.apply(doc) as object)).toEqual(keys);
    expect(plan!.count).toBe(7 - keys.length);
  });

  it("answers null when no filter's match holds", () => {
    const only = compileFilters(
      stages({ target: [{ op: "mask", detect: ["email"], match: { methods: ["POST"], path: "^/x" } }] }),
    );
    expect(only.select("GET", "/x")).toBeNull();
    expect(only.select("POST", "/y")).toBeNull();
    expect(only.select("POST", "/x")?.count).toBe(1);
  });

  it("matches methods exactly", () => {
    const only = compileFilters(
      stages({ target: [{ op: "destroy", paths: ["$.a"], match: { methods: ["GET"] } }] }),
    );
    expect(only.select("get", "/")).toBeNull();
  });

  it("searches the path (unanchored unless the regex says so)", () => {
    const only = compileFilters(
      stages({ target: [{ op: "destroy", paths: ["$.a"], match: { path: "users" } }] }),
    );
    expect(only.select("GET", "/api/users/1")?.count).toBe(1);
    expect(only.select("GET", "/api/Users/1")).toBeNull();
  });

  it("gives the same plan for the same selection", () => {
    expect(program.select("GET", "/a")).toBe(program.select("GET", "/b"));
  });

  it("handles more filters than fit a bit set", () => {
    const many: Filter[] = Array.from({ length: 40 }, (_, i) => ({
      op: "destroy" as const,
      paths: [`$.k${i}`],
      match: { path: i % 2 === 0 ? "^/even" : "^/odd" },
    }));
    const big = compileFilters(stages({ target: many }));
    const input = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    const plan = big.select("GET", "/odd");
    expect(plan?.count).toBe(20);
    expect(Object.keys(plan!.apply(input) as object)).toEqual(
      Array.from({ length: 20 }, (_, i) => `k${2 * i}`),
    );
    expect(big.select("GET", "/none")).toBeNull();
  });
});

describe("stages", () => {
  it("run target credential, target, proxy credential, proxy in that order", () => {
    const rename = (from: string, to: string): Filter => ({ op: "mask", patterns: [from], replacement: to });
    const program = compileFilters(
      stages({
        proxy: [rename("D", "E")],
        proxyCredential: [rename("C", "D")],
        target: [rename("B", "C")],
        targetCredential: [rename("A", "B")],
      }),
    );
    const plan = program.select("GET", "/")!;
    expect(plan.count).toBe(4);
    expect(plan.apply({ v: "A" })).toStrictEqual({ v: "E" });
  });

  it("run the filters of one stage in declaration order", () => {
    const plan = compileFilters(
      stages({
        target: [
          { op: "mask", patterns: ["x"], replacement: "y" },
          { op: "mask", patterns: ["y"], replacement: "z" },
        ],
      }),
    ).select("GET", "/")!;
    expect(plan.apply("x")).toBe("z");
  });

  it("never let a later retain bring back what an earlier destroy removed", () => {
    const plan = compileFilters(
      stages({
        target: [{ op: "destroy", paths: ["$..ssn"] }],
        proxy: [{ op: "retain", paths: ["$.name", "$.ssn", "$.card"] }],
      }),
    ).select("GET", "/")!;
    expect(plan.apply({ name: "n", ssn: "1", card: { ssn: "2", n: 1 }, x: 1 })).toStrictEqual({
      name: "n",
      card: { n: 1 },
    });
  });

  it("mask at the target credential stage before a proxy retain", () => {
    const plan = compileFilters(
      stages({
        targetCredential: [{ op: "mask", detect: ["email"] }],
        proxy: [{ op: "retain", paths: ["$.contact"] }],
      }),
    ).select("GET", "/")!;
    expect(plan.apply({ contact: "mail a@b.io", other: "c@d.io" })).toStrictEqual({ contact: `mail ${R}` });
  });

  it("let a later destroy remove what an earlier retain kept", () => {
    const plan = compileFilters(
      stages({
        target: [{ op: "retain", paths: ["$.user"] }],
        proxyCredential: [{ op: "destroy", paths: ["$.user.password"] }],
        proxy: [{ op: "mask", patterns: ["[0-9]+"], replacement: "#" }],
      }),
    ).select("GET", "/")!;
    expect(plan.apply({ user: { id: "u42", password: "p" }, token: "t" })).toStrictEqual({
      user: { id: "u#" },
    });
  });

  it("skip a filter whose match does not hold, in any stage", () => {
    const program = compileFilters(
      stages({
        target: [{ op: "destroy", paths: ["$.a"], match: { methods: ["POST"] } }],
        proxy: [{ op: "destroy", paths: ["$.b"] }],
      }),
    );
    expect(program.select("GET", "/")!.apply({ a: 1, b: 2 })).toStrictEqual({ a: 1 });
    expect(program.select("POST", "/")!.apply({ a: 1, b: 2 })).toStrictEqual({});
  });

  it("pass null on after the root is destroyed", () => {
    const plan = compileFilters(
      stages({
        target: [{ op: "destroy", paths: ["$"] }],
        proxy: [
          { op: "retain", paths: ["$.a"] },
          { op: "mask", detect: ["email"] },
        ],
      }),
    ).select("GET", "/")!;
    expect(plan.apply({ a: 1 })).toBeNull();
  });
});

describe("own keys such as __proto__", () => {
  const text = '{"__proto__": {"polluted": "a@b.io", "keep": 1}, "constructor": "c@d.io", "a": 1}';

  it("are destroyed and kept as own properties, leaving prototypes alone", () => {
    const input = json(text);
    const destroyed = run({ op: "destroy", paths: ["$.a"] }, input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(destroyed)).toBe(Object.prototype);
    expect(Object.keys(destroyed)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(destroyed, "__proto__")?.value).toStrictEqual({
      polluted: "a@b.io",
      keep: 1,
    });

    const retained = run({ op: "retain", paths: ["$.__proto__.keep", "$.constructor"] }, input) as object;
    expect(Object.getPrototypeOf(retained)).toBe(Object.prototype);
    expect(Object.keys(retained)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(retained, "__proto__")?.value).toStrictEqual({ keep: 1 });
    expect(JSON.stringify(retained)).toBe('{"__proto__":{"keep":1},"constructor":"c@d.io"}');

    expect(run({ op: "destroy", paths: ["$.__proto__"] }, input)).toStrictEqual({
      constructor: "c@d.io",
      a: 1,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("are masked as own properties", () => {
    const masked = run({ op: "mask", detect: ["email"] }, json(text)) as object;
    expect(JSON.stringify(masked)).toBe(
      `{"__proto__":{"polluted":"${R}","keep":1},"constructor":"${R}","a":1}`,
    );
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("work under every operation when nested in arrays", () => {
    const input = [objectOf([["__proto__", { x: "a@b.io" }]])];
    const masked = run({ op: "mask", detect: ["email"] }, input) as Record<string, unknown>[];
    expect(Object.getOwnPropertyDescriptor(masked[0], "__proto__")?.value).toStrictEqual({ x: R });
    expect(run({ op: "destroy", paths: ["$[0].__proto__.x"] }, input)).toStrictEqual([
      objectOf([["__proto__", {}]]),
    ]);
  });
});

describe("the input", () => {
  const text = JSON.stringify({
    data: [{ card: { number: "4111111111111111", cvc: "123" }, ssn: "1" }],
    email: "a@b.io",
    n: [1, 2],
  });
  const all: [string, Filter][] = [
    ["destroy", { op: "destroy", paths: ["$.data[*].card.number", "$..ssn", "$.n[0]"] }],
    ["retain", { op: "retain", paths: ["$.data[*].card", "$.n[1]"] }],
    ["mask", { op: "mask", detect: ["email", "credit-card", "api-key", "jwt"], patterns: ["[0-9]"] }],
    ["destroy root", { op: "destroy", paths: ["$"] }],
  ];

  it.each(all)("is not mutated by %s", (_, filter) => {
    const input = deepFreeze(json(text));
    const output = run(filter, input);
    expect(input).toStrictEqual(json(text));
    expect(output).not.toStrictEqual(input);
  });
});
