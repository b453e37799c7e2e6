import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
