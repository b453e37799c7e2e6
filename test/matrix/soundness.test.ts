// The matrix is an upper bound: every request the reference interpreter allows must fall
// in an entry of its cell (method listed, every path pattern matching the canonical path).
// Random policies and requests as in the differential test; one credential carries claims.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { createInterpreter } from "../../compiler/interpret/index.ts";
import { buildMatrix } from "../../compiler/matrix/access.ts";
import { compile } from "../../compiler/pipeline.ts";
import { compileSingle } from "../../compiler/regex/set-pattern.ts";
import { policyArb, requestArb } from "../support/random-policy.ts";

const POLICIES = 60;
const REQUESTS_PER_POLICY = 600;
const workspace = mkdtempSync(join(tmpdir(), "rrc-matrix-soundness-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/** `c2` becomes a jwt credential; the gateway gives claims to no other. */
function withClaimsCredential(policy: PolicyDocument): PolicyDocument {
  const proxyCredentials = (policy.proxyCredentials ?? []).map((credential) =>
    credential.id === "c2"
      ? { ...credential, auth: { type: "jwt" as const, tokens: [`sha256:${"2".repeat(64)}` as const] } }
      : credential,
  );
  return { ...policy, proxyCredentials };
}

it(`never hides access: ${POLICIES} random policies × ${REQUESTS_PER_POLICY} requests`, async () => {
  let allowed = 0;
  let empty = 0;
  for (let seed = 1; seed <= POLICIES; seed++) {
    const [sampled] = fc.sample(policyArb(), { numRuns: 1, seed: seed * 31 });
    const policy = withClaimsCredential(sampled!);
    const file = join(workspace, `policy-${seed}.json`);
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const result = await compile({ paths: [file], cwd: workspace, until: "flatten" });
    expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
    const matrix = buildMatrix(result.flat!, result.document!);
    empty += matrix.cells.filter((cell) => cell.accepted && cell.entries.length === 0).length;
    // And never shows access where the proxy refuses the credential or a default-deny scope
    // has no allow rule for the pair.
    for (const cell of matrix.cells.filter((item) => item.entries.length > 0)) {
      const pair = result
        .flat!.proxies.find((proxy) => proxy.id === cell.proxy)!
        .pairs.find((candidate) => candidate.credential === cell.credential);
      expect(pair, `${cell.credential} is not accepted by ${cell.proxy}`).toBeDefined();
      for (const scope of pair!.scopes.map((index) => result.flat!.scopes[index]!)) {
        if (scope.default === "allow") continue;
        const allows = scope.rules.filter(
          (rule) =>
            rule.effect === "allow" && (rule.credentials ?? [cell.credential]).includes(cell.credential),
        );
        expect(
          allows.length,
          `${scope.kind} ${scope.entity} allows nothing for ${cell.credential}`,
        ).toBeGreaterThan(0);
      }
    }
    const interpreter = createInterpreter(result.flat!);
    for (const sample of fc.sample(requestArb(), { numRuns: REQUESTS_PER_POLICY, seed: seed * 7 })) {
      const request = sample.credential === "c2" ? sample : { ...sample, claims: undefined };
      const explanation = interpreter.explain(request);
      if (explanation.decision.verdict !== "allow") continue;
      allowed++;
      const path = explanation.canonicalPath!;
      const cell = matrix.cells.find(
        (item) => item.proxy === request.proxy && item.credential === request.credential,
      );
      const covered = cell?.entries.some(
        (entry) =>
          (entry.methods === null || entry.methods.includes(request.method)) &&
          entry.paths.every((pattern) => compileSingle(pattern.source, pattern.ignoreCase).test(path)),
      );
      expect(
        covered,
        `seed ${seed}: ${JSON.stringify(request)} is allowed but not in ${JSON.stringify(cell)}`,
      ).toBe(true);
    }
  }
  // Both sides must occur, or the property proves little.
  expect(allowed).toBeGreaterThan(400);
  expect(empty).toBeGreaterThan(5);
}, 120_000);
