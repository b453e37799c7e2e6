// The emitted decide() against the reference interpreter and two peer engines,
// @cedar-policy/cedar-wasm and casbin, on equivalent generated policies at 100 / 1,000 /
// 10,000 rules (SPEC §13: ≥ 100× faster than the peers; time at 10,000 rules ≤ 2× time at
// 100). Before timing, every engine must return rrc's allow/deny for every benchmark
// request and for a wider verification mix. tinybench, one run; `npm run bench:peers`
// (`-- --check` exits 1 when a target is missed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DecisionRequest } from "../runtime/decision/types.ts";
import { createCasbinDecider } from "./peers/casbin.ts";
import { createCedarDecider, type PeerRequest } from "./peers/cedar.ts";
import { peerPolicy } from "./peers/policy-rules.ts";
import { buildEngines } from "./peers/rrc-engines.ts";
import { type DecisionTask, type Timing, timeDecisions } from "./peers/timing.ts";
import { benchmarkRequests, generatePolicy } from "./policy-generator.ts";

const SIZES = [100, 1_000, 10_000];
const workspace = mkdtempSync(join(tmpdir(), "rrc-peers-bench-"));

/** Requests beyond the timed mix, only for the equivalence check: other methods, bare and
 * nested paths, near misses, and a credential the proxy does not accept. The translation
 * does not depend on the rule count, so this runs up to 1,000 rules (at 10,000 a peer
 * decision takes up to ~0.2 s, and the timed mix alone is checked). */
function verificationRequests(ruleCount: number): DecisionRequest[] {
  const services = Math.max(1, Math.floor(ruleCount / 3));
  const requests: DecisionRequest[] = [];
  for (const n of [0, 1, services - 1, services]) {
    for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE"]) {
      for (const path of ["/items", "/items/7", "/admin", "/admin/a/b", "/itemsx", "/items/7/x"]) {
        requests.push({ proxy: "api", credential: "caller", method, path: `/svc${n}${path}` });
      }
    }
  }
  requests.push({ proxy: "api", credential: "stranger", method: "GET", path: "/svc0/items" });
  return requests;
}

const peerRequest = (request: DecisionRequest): PeerRequest => ({
  credential: request.credential,
  method: request.method,
  path: request.path,
});

interface Row {
  readonly size: number;
  readonly timings: Map<string, Timing>;
  readonly setupMs: Record<string, number>;
  readonly mix: string;
}

async function measure(size: number): Promise<Row> {
  const document = generatePolicy(size);
  const rrc = await buildEngines(document, workspace, `policy-${size}`);
  const policy = peerPolicy(document);
  let started = performance.now();
  const cedar = createCedarDecider(policy);
  const cedarMs = performance.now() - started;
  started = performance.now();
  const casbin = await createCasbinDecider(policy);
  const casbinMs = performance.now() - started;

  const timed = benchmarkRequests(size);
  let allowed = 0;
  const extra = size <= 1_000 ? verificationRequests(size) : [];
  for (const request of [...timed, ...extra]) {
    const expected = rrc.decider.decide(request);
    const reference = rrc.interpreter.decide(request);
    const cedarVerdict = cedar.decide(cedar.prepare(peerRequest(request)));
    const casbinVerdict = casbin.decide(casbin.prepare(peerRequest(request)));
    if (JSON.stringify(expected) !== JSON.stringify(reference)) {
      throw new Error(`interpreter disagrees at ${size} rules on ${request.method} ${request.path}`);
    }
    if (cedarVerdict !== expected.verdict || casbinVerdict !== expected.verdict) {
      throw new Error(
        `peers disagree at ${size} rules on ${request.credential} ${request.method} ${request.path}: ` +
          `rrc ${expected.verdict}, cedar ${cedarVerdict}, casbin ${casbinVerdict}`,
      );
    }
  }
  for (const request of timed) if (rrc.decider.decide(request).verdict === "allow") allowed++;

  const cedarCalls = timed.map((request) => cedar.prepare(peerRequest(request)));
  const casbinCalls = timed.map((request) => casbin.prepare(peerRequest(request)));
  const mask = timed.length - 1; // 64 requests
  const tasks: DecisionTask[] = [
    { name: "rrc", decideAt: (i) => rrc.decider.decide(timed[i & mask]!) },
    { name: "interpreter", decideAt: (i) => rrc.interpreter.decide(timed[i & mask]!) },
    { name: "cedar", decideAt: (i) => cedar.decide(cedarCalls[i & mask]!) },
    { name: "casbin", decideAt: (i) => casbin.decide(casbinCalls[i & mask]!) },
  ];
  const timings = await timeDecisions(tasks, { timeMs: size >= 10_000 ? 600 : 400, iterations: 8 });
  return {
    size,
    timings,
    setupMs: { rrc: rrc.buildMs, cedar: cedarMs, casbin: casbinMs },
    mix: `${allowed} allow / ${timed.length - allowed} deny, ${timed.length + extra.length} requests verified`,
  };
}

function duration(ns: number): string {
  if (ns < 10_000) return `${ns.toFixed(0)} ns`;
  if (ns < 10_000_000) return `${(ns / 1000).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

const rows: Row[] = [];
try {
  for (const size of SIZES) rows.push(await measure(size));
} finally {
  rmSync(workspace, { recursive: true, force: true });
}

// Medians: on a machine shared with other work, a mean follows the bursts of that work.
const ns = (row: Row, name: string) => row.timings.get(name)!.medianNs;
console.log(
  "time per decision: median (mean ± rme), equivalent policies; every peer agreed with rrc on every request",
);
console.log(
  "rules   rrc decide()                 interpreter                  cedar-wasm                   casbin                       interp/rrc  cedar/rrc  casbin/rrc",
);
for (const row of rows) {
  const cell = (name: string) => {
    const timing = row.timings.get(name)!;
    return `${duration(timing.medianNs)} (${duration(timing.ns)} ±${timing.rme.toFixed(0)}%)`.padEnd(29);
  };
  const ratio = (name: string) => `${(ns(row, name) / ns(row, "rrc")).toFixed(0)}×`;
  console.log(
    `${String(row.size).padStart(6)}  ${cell("rrc")}${cell("interpreter")}${cell("cedar")}${cell("casbin")}` +
      `${ratio("interpreter").padStart(10)}  ${ratio("cedar").padStart(9)}  ${ratio("casbin").padStart(10)}`,
  );
}
console.log("\nset-up (build / load) and the timed mix");
for (const row of rows) {
  const setup = row.setupMs;
  console.log(
    `${String(row.size).padStart(6)}  rrc build ${setup.rrc!.toFixed(0)} ms, cedar preparse ${setup.cedar!.toFixed(0)} ms, ` +
      `casbin load ${setup.casbin!.toFixed(0)} ms; mix ${row.mix}`,
  );
}
const at = (size: number) => rows.find((row) => row.size === size)!;
const cedarRatio = ns(at(1_000), "cedar") / ns(at(1_000), "rrc");
const casbinRatio = ns(at(1_000), "casbin") / ns(at(1_000), "rrc");
const interpreterRatio = ns(at(1_000), "interpreter") / ns(at(1_000), "rrc");
const growth = ns(at(10_000), "rrc") / ns(at(100), "rrc");
const verdict = (ok: boolean) => (ok ? "holds" : "MISSED");
console.log(
  `\nat 1,000 rules: ${cedarRatio.toFixed(0)}× cedar-wasm, ${casbinRatio.toFixed(0)}× casbin (target ≥ 100×: ${verdict(cedarRatio >= 100 && casbinRatio >= 100)})`,
);
console.log(
  `at 1,000 rules: ${interpreterRatio.toFixed(0)}× the interpreter (target ≥ 50×: ${verdict(interpreterRatio >= 50)})`,
);
console.log(
  `rrc decide() at 10,000 rules / at 100 rules: ${growth.toFixed(2)} (target ≤ 2: ${verdict(growth <= 2)})`,
);
const missed = cedarRatio < 100 || casbinRatio < 100 || interpreterRatio < 50 || growth > 2;
if (process.argv.includes("--check") && missed) process.exitCode = 1;
