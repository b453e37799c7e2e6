// The deterministic half of `npm run bench:check`: decision module and tables size and RE2 calls per
// decision for the gate's fixed policies must stay within bench/check/thresholds.json, so a
// regression in either fails `npm test` even where the benchmarks are not run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { measureDeterministic } from "../../bench/check/deterministic.ts";
import { type CheckPolicy, fieldsPolicy, generatedPolicy } from "../../bench/check/policies.ts";
import { judge, loadThresholds } from "../../bench/check/thresholds.ts";

const thresholds = loadThresholds(join(import.meta.dirname, "../../bench/check/thresholds.json"));
const workspace = mkdtempSync(join(tmpdir(), "rrc-check-test-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const policies: [string, () => CheckPolicy][] = [
  ["generated-1000", () => generatedPolicy(1_000)],
  ["fields", fieldsPolicy],
];

describe.each(policies)("bench:check deterministic measures, %s", (name, policy) => {
  it("stays within the committed thresholds", async () => {
    const { measures } = await measureDeterministic(policy(), workspace);
    const verdicts = [
      judge(thresholds, `code-bytes/${name}`, measures.codeBytes),
      judge(thresholds, `tables-bytes/${name}`, measures.tablesBytes),
      judge(thresholds, `re2-calls-per-decision/${name}`, measures.re2CallsPerDecision),
    ];
    for (const verdict of verdicts) {
      expect({ id: verdict.threshold.id, value: verdict.value, ok: verdict.ok }).toEqual({
        id: verdict.threshold.id,
        value: verdict.value,
        ok: true,
      });
    }
  });
});
