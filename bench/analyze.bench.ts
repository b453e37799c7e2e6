// The analysis pass (compiler/analyze) on generated policies of 100 / 1,000 / 5,000 rules:
// anchored service rules plus the unanchored and case-insensitive denies, credential-limited
// rules and default-deny scopes that make every rule be compared (bench/analyze-policy.ts).
// Plain timing, one run per size (seconds, not microseconds): the pass's own time from the
// pipeline's timings, and its CPU time. Target: 1,000 rules in ≤ 5 s on 2 cores.
// `npm run bench:analyze` (`-- --check` exits 1 when the target is missed).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/pipeline.ts";
import { analysisPolicy } from "./analyze-policy.ts";

const SIZES = [100, 1_000, 5_000];
const TARGET_MS = 5_000;
const workspace = mkdtempSync(join(tmpdir(), "rrc-analyze-bench-"));

async function measure(size: number) {
  const file = join(workspace, `policy-${size}.json`);
  writeFileSync(file, JSON.stringify(analysisPolicy(size)));
  const cpuBefore = process.cpuUsage();
  const result = await compile({ paths: [file], cwd: workspace, until: "artifact" });
  const cpu = process.cpuUsage(cpuBefore);
  if (!result.ok || !result.bundle) throw new Error(`benchmark policy ${size} did not build`);
  const pass = (name: string) => result.timings.find((timing) => timing.pass === name)?.ms ?? Number.NaN;
  return {
    size,
    analyzeMs: pass("analyze"),
    buildMs: result.timings.reduce((sum, timing) => sum + timing.ms, 0),
    cpuMs: (cpu.user + cpu.system) / 1000,
    warnings: result.diagnostics.length,
    pruned: result.bundle.manifest.stats.rulesPruned,
  };
}

const rows = [];
for (const size of SIZES) rows.push(await measure(size));
rmSync(workspace, { recursive: true, force: true });

console.log("rules    analyze    whole build   build CPU   warnings   pruned");
for (const row of rows) {
  console.log(
    `${String(row.size).padStart(5)}  ${row.analyzeMs.toFixed(0).padStart(7)} ms  ${row.buildMs.toFixed(0).padStart(9)} ms  ` +
      `${row.cpuMs.toFixed(0).padStart(7)} ms  ${String(row.warnings).padStart(8)}  ${String(row.pruned).padStart(7)}`,
  );
}
const at1000 = rows.find((row) => row.size === 1_000)!;
console.log(`\nanalysis of 1,000 rules: ${at1000.analyzeMs.toFixed(0)} ms (target ≤ ${TARGET_MS} ms)`);
if (process.argv.includes("--check") && at1000.analyzeMs > TARGET_MS) process.exitCode = 1;
