// The emitted decide() against the reference interpreter at 10 / 100 / 1,000 / 10,000
// rules (SPEC §13): ratio at each size, and how decide() time grows with rule count.
// Run with `npm run bench`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import { createInterpreter } from "../compiler/interpret/index.ts";
import { compile } from "../compiler/pipeline.ts";
import { importBundle, instantiateModule } from "../runtime/bundle/load.ts";
import { benchmarkRequests, generatePolicy } from "./policy-generator.ts";

const SIZES = [10, 100, 1_000, 10_000];
const workspace = mkdtempSync(join(tmpdir(), "rrc-bench-"));

async function measure(size: number) {
  const file = join(workspace, `policy-${size}.json`);
  writeFileSync(file, JSON.stringify(generatePolicy(size)));
  const started = performance.now();
  const result = await compile({ paths: [file], cwd: workspace, until: "artifact" });
  const buildMs = performance.now() - started;
  if (!result.ok || !result.bundle || !result.flat) throw new Error(`benchmark policy ${size} did not build`);
  const module = await importBundle(result.bundle);
  // Every decision pays its RE2 pass (a first request for its path); `remembered` is what the gateway
  // runs, which answers a path it has seen from memory.
  const decider = instantiateModule(module, { rememberPaths: false });
  const remembered = instantiateModule(module);
  const interpreter = createInterpreter(result.flat);
  const requests = benchmarkRequests(size);
  for (const request of requests) {
    const a = JSON.stringify(decider.decide(request));
    const b = JSON.stringify(interpreter.decide(request));
    if (a !== b) throw new Error(`disagreement at ${size} rules: ${a} vs ${b}`);
  }
  let next = 0;
  const bench = new Bench({ time: size >= 10_000 ? 1500 : 500, warmup: true });
  bench.add("emitted", () => {
    decider.decide(requests[next++ & 63]!);
  });
  bench.add("remembered", () => {
    remembered.decide(requests[next++ & 63]!);
  });
  bench.add("interpreter", () => {
    interpreter.decide(requests[next++ & 63]!);
  });
  await bench.run();
  const [emitted, rememberedNs, reference] = bench.tasks.map((task) => {
    const result = task.result as { latency?: { mean: number } };
    return (result.latency?.mean ?? Number.NaN) * 1e6;
  });
  return { size, emittedNs: emitted!, rememberedNs: rememberedNs!, interpreterNs: reference!, buildMs };
}

const rows: Awaited<ReturnType<typeof measure>>[] = [];
for (const size of SIZES) rows.push(await measure(size));
rmSync(workspace, { recursive: true, force: true });

console.log("rules     emitted decide()   interpreter      ratio     build   paths remembered");
for (const row of rows) {
  console.log(
    `${String(row.size).padStart(6)}  ${row.emittedNs.toFixed(0).padStart(12)} ns  ${row.interpreterNs.toFixed(0).padStart(12)} ns  ${(row.interpreterNs / row.emittedNs).toFixed(1).padStart(8)}×  ${row.buildMs.toFixed(0).padStart(6)} ms  ${row.rememberedNs.toFixed(0).padStart(12)} ns`,
  );
}
const at = (size: number) => rows.find((row) => row.size === size)!;
const speedup = at(1_000).interpreterNs / at(1_000).emittedNs;
const growth = at(10_000).emittedNs / at(100).emittedNs;
console.log(`\nspeed-up at 1,000 rules: ${speedup.toFixed(1)}× (target ≥ 50×)`);
console.log(`decide() time at 10,000 rules / at 100 rules: ${growth.toFixed(2)} (target ≤ 2)`);
if (process.argv.includes("--check") && (speedup < 50 || growth > 2)) process.exitCode = 1;
