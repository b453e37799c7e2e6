import { describe, expect, it } from "vitest";
import { collectHeader, collectQuery, type FieldMap } from "../../runtime/request/fields.ts";

function header(map: FieldMap, name: string): string[] {
  const out: string[] = [];
  collectHeader(map, name, out);
  return out;
}

function query(map: FieldMap, name: string): string[] {
  const out: string[] = [];
  collectQuery(map, name, out);
  return out;
}

describe("collectHeader", () => {
  it("matches names case-insensitively and collects every value", () => {
    const headers = { "x-tenant": "acme", "X-Tenant": ["b", "c"], "X-TENANT": "d", other: "o" };
    expect(header(headers, "x-tenant")).toEqual(["acme", "b", "c", "d"]);
    expect(header(headers, "other")).toEqual(["o"]);
    expect(header(headers, "missing")).toEqual([]);
  });

  it("keeps empty values and empty arrays", () => {
    expect(header({ a: "" }, "a")).toEqual([""]);
    expect(header({ a: [] }, "a")).toEqual([]);
  });

  it("folds ASCII case only", () => {
    expect(header({ "\u212aey": "kelvin" }, "key")).toEqual([]);
    expect(header({ İd: "x" }, "id")).toEqual([]);
  });

  it("does not match prefixes", () => {
    expect(header({ "x-tenant-id": "1", "x-tenan": "2" }, "x-tenant")).toEqual([]);
  });

  it("reads own keys only", () => {
    expect(header({}, "constructor")).toEqual([]);
    expect(header({}, "__proto__")).toEqual([]);
    const inherited = Object.create({ "x-a": "1" }) as FieldMap;
    expect(header(inherited, "x-a")).toEqual([]);
    const own = JSON.parse('{"__proto__": "p", "Constructor": "c"}') as FieldMap;
    expect(header(own, "__proto__")).toEqual(["p"]);
    expect(header(own, "constructor")).toEqual(["c"]);
  });

  it("appends to the output array", () => {
    const out = ["x"];
    collectHeader({ a: "1" }, "a", out);
    expect(out).toEqual(["x", "1"]);
  });
});

describe("collectQuery", () => {
  it("matches names case-sensitively", () => {
    const q = { debug: "1", Debug: ["2", "3"] };
    expect(query(q, "debug")).toEqual(["1"]);
    expect(query(q, "Debug")).toEqual(["2", "3"]);
    expect(query(q, "DEBUG")).toEqual([]);
  });

  it("reads own keys only", () => {
    expect(query({}, "constructor")).toEqual([]);
    expect(query({}, "__proto__")).toEqual([]);
    expect(query({}, "toString")).toEqual([]);
    const own = JSON.parse('{"__proto__": ["a", "b"]}') as FieldMap;
    expect(query(own, "__proto__")).toEqual(["a", "b"]);
  });
});
