// `npm run bench:check`: the regression gate (STYLE item 10). Deterministic measures
// (decision module bytes, RE2 calls per decision), approximate allocations per decision,
// and two timing RATIOS taken in one run (never absolute times): decide() against the
// interpreter at 1,000 rules, and decide() at 10,000 rules against 100. Prints a table and
// exits 1 when a measure crosses its threshold in bench/check/thresholds.json.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createGatewayHarness } from "../gateway-harness.ts";
import { type DecisionTask, timeDecisions } from "../peers/timing.ts";
import { bytesPerDecision, bytesPerExchange } from "./allocations.ts";
import { measureDeterministic } from "./deterministic.ts";
import { fieldsPolicy, generatedPolicy } from "./policies.ts";
import { judge, loadThresholds, renderTable, type Verdict } from "./thresholds.ts";

const NODE_FLAGS = ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"];

// The allocation measure needs V8 flags: the gate runs itself again with exactly these.
if (process.env.RRC_BENCH_CHECK_CHILD !== "1") {
  const child = spawnSync(process.execPath, [...NODE_FLAGS, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, RRC_BENCH_CHECK_CHILD: "1" },
  });
  process.exit(child.status ?? 2);
}

const started = performance.now();
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const thresholds = loadThresholds(join(root, "bench", "check", "thresholds.json"));
const workspace = mkdtempSync(join(tmpdir(), "rrc-bench-check-"));
const verdicts: Verdict[] = [];
try {
  const fields = await measureDeterministic(fieldsPolicy(), workspace);
  const small = await measureDeterministic(generatedPolicy(100), workspace);
  const medium = await measureDeterministic(generatedPolicy(1_000), workspace);
  const large = await measureDeterministic(generatedPolicy(10_000), workspace);
  for (const measured of [medium, fields]) {
    const name = measured.policy.name;
    verdicts.push(judge(thresholds, `code-bytes/${name}`, measured.measures.codeBytes));
    verdicts.push(judge(thresholds, `tables-bytes/${name}`, measured.measures.tablesBytes));
    verdicts.push(judge(thresholds, `re2-calls-per-decision/${name}`, measured.measures.re2CallsPerDecision));
  }
  for (const measured of [medium, fields]) {
    const bytes = await bytesPerDecision(measured.engines.decider, measured.policy.requests);
    verdicts.push(judge(thresholds, `heap-bytes-per-decision/${measured.policy.name}`, bytes));
  }
  // What rrc's stages allocate per request beyond a bare pass-through's (the harness's own
  // request, response and socket objects are in both figures and cancel out).
  const harness = await createGatewayHarness();
  let exchangeBytes: { rrc: number; bare: number };
  try {
    exchangeBytes = { bare: await bytesPerExchange(harness.bare), rrc: await bytesPerExchange(harness.rrc) };
  } finally {
    await harness.close();
  }
  verdicts.push(
    judge(thresholds, "heap-bytes-per-request/gateway-extra", exchangeBytes.rrc - exchangeBytes.bare),
  );

  // Ratios from one tinybench run; medians, so that a busy machine's spikes do not decide.
  const task = (name: string, decide: (index: number) => unknown): DecisionTask => ({
    name,
    decideAt: decide,
  });
  const at = (measured: typeof medium, interpreter = false) => {
    const requests = measured.policy.requests;
    const engine = interpreter ? measured.engines.interpreter : measured.engines.decider;
    return (index: number) => engine.decide(requests[index % requests.length]!);
  };
  const timings = await timeDecisions(
    [
      task("decide-100", at(small)),
      task("decide-10000", at(large)),
      task("decide-1000", at(medium)),
      task("interpreter-1000", at(medium, true)),
      task("decide-100-again", at(small)),
      task("decide-10000-again", at(large)),
    ],
    { timeMs: 300, iterations: 16 },
  );
  const median = (name: string) => timings.get(name)!.medianNs;
  const speedup = median("interpreter-1000") / median("decide-1000");
  // The lower of two interleaved estimates, so that drift in one direction cannot fail it.
  const growth = Math.min(
    median("decide-10000") / median("decide-100"),
    median("decide-10000-again") / median("decide-100-again"),
  );
  verdicts.push(judge(thresholds, "decide-speedup-vs-interpreter/generated-1000", speedup));
  verdicts.push(judge(thresholds, "decide-growth-10000-vs-100/generated", growth));
  console.log(renderTable(verdicts));
  console.log(
    `\n(decide() medians: ${median("decide-100").toFixed(0)} ns at 100 rules, ${median("decide-1000").toFixed(0)} ns ` +
      `at 1,000, ${median("decide-10000").toFixed(0)} ns at 10,000; interpreter ${(median("interpreter-1000") / 1000).toFixed(0)} µs ` +
      `at 1,000; gateway exchange in process: rrc ${exchangeBytes.rrc.toFixed(0)} B, bare ${exchangeBytes.bare.toFixed(0)} B; regex sets: ${medium.measures.re2Sets} generated, ${fields.measures.re2Sets} fields; ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
const failed = verdicts.filter((verdict) => !verdict.ok);
if (failed.length > 0) {
  console.log(`\nbench:check FAILED: ${failed.map((verdict) => verdict.threshold.id).join(", ")}`);
  process.exitCode = 1;
}
