import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import {
  DecisionLog,
  type DecisionRecord,
  decisionRecordSchema,
} from "../../runtime/observe/decision-log.ts";
import { allowRecord, refusedRecord } from "./support.ts";

// ajv is CommonJS: under NodeNext its default import is the module object.
const Ajv2020 = Ajv2020Module.default;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(decisionRecordSchema);

describe("decisionRecordSchema", () => {
  it("accepts the lines the log writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rrc-decision-schema-"));
    try {
      const path = join(dir, "log.jsonl");
      const log = new DecisionLog({ kind: "file", path });
      log.write(allowRecord(1));
      log.write(refusedRecord(2));
      log.write({
        ...allowRecord(3),
        meter: null,
        upstreamStatus: 502,
        status: 502,
        code: "upstream-unreachable",
      });
      await log.close();
      const lines = readFileSync(path, "utf8").trim().split("\n");
      expect(lines).toHaveLength(3);
      for (const line of lines)
        expect(validate(JSON.parse(line)), JSON.stringify(validate.errors)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Fields that could carry secrets or personal data have no place in the record.
  it.each(["headers", "query", "body", "claims", "authorization"])("rejects a `%s` field", (field) => {
    expect(validate({ ...allowRecord(1), [field]: {} })).toBe(false);
  });

  const broken: [string, Partial<Record<keyof DecisionRecord, unknown>>][] = [
    ["a time not in UTC", { time: "2025-01-01T01:00:00+01:00" }],
    ["a verdict other than allow or deny", { verdict: "maybe" }],
    ["a fractional status", { status: 200.5 }],
    ["a negative decision time", { decisionUs: -1 }],
    ["a code that is not kebab-case", { code: "Access Granted" }],
    ["a meter that is not an object", { meter: 3 }],
  ];
  it.each(broken)("rejects %s", (_name, change) => {
    expect(validate({ ...allowRecord(1), ...change })).toBe(false);
  });

  it("requires every field but meter", () => {
    const { meter: _meter, ...withoutMeter } = allowRecord(1);
    expect(validate(withoutMeter)).toBe(true);
    const { rule: _rule, ...withoutRule } = allowRecord(1);
    expect(validate(withoutRule)).toBe(false);
  });
});

describe("schemas/decision-log.schema.json", () => {
  const file = JSON.parse(
    readFileSync(resolve(import.meta.dirname, "../../schemas/decision-log.schema.json"), "utf8"),
  ) as { properties: Record<string, unknown>; required: string[] };

  it("is the schema the code exports", () => {
    expect(decisionRecordSchema).toEqual(file);
  });

  // Every field of the interface, optional ones included: adding one to either side fails here.
  const FIELDS: { [K in keyof Required<DecisionRecord>]: "required" | "optional" } = {
    time: "required",
    requestId: "required",
    proxy: "required",
    credential: "required",
    method: "required",
    path: "required",
    verdict: "required",
    status: "required",
    code: "required",
    scope: "required",
    rule: "required",
    meter: "optional",
    decisionUs: "required",
    totalMs: "required",
    upstreamStatus: "required",
    shadow: "optional",
  };

  it("describes exactly the fields of DecisionRecord", () => {
    expect(Object.keys(file.properties).sort()).toEqual(Object.keys(FIELDS).sort());
    const required = Object.entries(FIELDS).filter(([, kind]) => kind === "required");
    expect(file.required.slice().sort()).toEqual(required.map(([name]) => name).sort());
  });

  it("accepts a shadow disagreement and nothing else under `shadow`", () => {
    const shadow = { verdict: "deny", code: "rule-denied", scope: "proxy", rule: "no-legacy" };
    expect(validate({ ...allowRecord(1), shadow })).toBe(true);
    expect(validate({ ...allowRecord(1), shadow: { ...shadow, headers: {} } })).toBe(false);
    expect(validate({ ...allowRecord(1), shadow: { verdict: "deny" } })).toBe(false);
  });
});
