// Pruning must change no decision: random policies where the analysis leaves rules out of
// the emitted tables, decided by the interpreter on the full IR, the module from memory and
// the bundle from disk (test/support/three-ways.ts), on random requests over their paths.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { buildThreeWays } from "../support/three-ways.ts";
import { prunablePolicyArb, prunableRequestArb } from "./pruning-policy.ts";

const POLICIES = 40;
const REQUESTS_PER_POLICY = 250;
const workspace = mkdtempSync(join(tmpdir(), "rrc-pruned-differential-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

it(`pruned bundles agree with the interpreter on the full policy (${POLICIES} policies)`, async () => {
  let rulesIn = 0;
  let pruned = 0;
  let prunedPolicies = 0;
  const codes = new Map<string, number>();
  for (let seed = 1; seed <= POLICIES; seed++) {
    const [policy] = fc.sample(prunablePolicyArb(), { numRuns: 1, seed });
    const file = join(workspace, `policy-${seed}.json`);
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const built = await buildThreeWays([file]);
    try {
      const { stats, pruned: ids } = built.result.bundle!.manifest;
      rulesIn += stats.rulesIn;
      pruned += stats.rulesPruned;
      if (ids.length > 0) prunedPolicies++;
      expect(ids.length).toBe(stats.rulesPruned);
      for (const request of fc.sample(prunableRequestArb(), {
        numRuns: REQUESTS_PER_POLICY,
        seed: seed * 31,
      })) {
        const decision = built.decide(request);
        codes.set(decision.code, (codes.get(decision.code) ?? 0) + 1);
      }
    } finally {
      built.dispose();
    }
  }
  // The generator must actually make the analysis prune, or agreement proves little.
  expect(prunedPolicies).toBeGreaterThan(POLICIES / 2);
  expect(pruned).toBeGreaterThan(rulesIn / 5);
  for (const code of ["access-granted", "rule-denied", "default-denied", "body-not-inspectable"]) {
    expect(codes.get(code) ?? 0, `no request produced ${code}`).toBeGreaterThan(20);
  }
}, 300_000);
