// Random policies × random requests: the interpreter, the in-memory module and the
// bundle from disk must agree on every decision (SPEC §9).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { policyArb, requestArb } from "../support/random-policy.ts";
import { buildThreeWays } from "../support/three-ways.ts";

const POLICIES = 25;
const REQUESTS_PER_POLICY = 420;
const workspace = mkdtempSync(join(tmpdir(), "rrc-differential-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

it(`agrees on ${POLICIES * REQUESTS_PER_POLICY} random requests over ${POLICIES} random policies`, async () => {
  const codes = new Map<string, number>();
  let compared = 0;
  for (let seed = 1; seed <= POLICIES; seed++) {
    const [policy] = fc.sample(policyArb(), { numRuns: 1, seed });
    const file = join(workspace, `policy-${seed}.json`);
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const built = await buildThreeWays([file]);
    try {
      for (const request of fc.sample(requestArb(), { numRuns: REQUESTS_PER_POLICY, seed: seed * 7919 })) {
        const decision = built.decide(request);
        codes.set(decision.code, (codes.get(decision.code) ?? 0) + 1);
        compared++;
      }
    } finally {
      built.dispose();
    }
  }
  expect(compared).toBeGreaterThanOrEqual(10_000);
  // The generators must exercise every outcome, or agreement proves little.
  for (const code of [
    "access-granted",
    "rule-denied",
    "default-denied",
    "unknown-proxy",
    "credential-not-accepted",
    "non-canonical-request",
    "ambiguous-request",
    "body-not-inspectable",
    "body-too-large",
  ]) {
    expect(codes.get(code) ?? 0, `no request produced ${code}`).toBeGreaterThan(20);
  }
}, 300_000);
