// Scale figures (SPEC §13): `rrc build` of 10,000 rules (the CLI as a child process; target
// ≤ 10 s on 2 cores), the bundle's size, `rrc serve` start-up (spawn to the "listening"
// line) and its memory with that bundle after a warm-up under load (VmRSS from
// /proc/<pid>/status; target ≤ 150 MB). 100 rules are measured the same way as a baseline.
// One process (`--workers 1`); one run; `npm run bench:scale` (`-- --check` exits 1 on a
// missed target). Where the build time goes: the 10,000-rule policy compiled once more in
// process, with the pipeline's own pass timings.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { PolicyDocument } from "../compiler/authoring/types.ts";
import { compile } from "../compiler/pipeline.ts";
import { generatePolicy } from "./policy-generator.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cli = join(root, "bin", "rrc.js");
const SIZES = [100, 10_000];
const WARM_SECONDS = 3;
const API_KEY = "scale-bench-key";
const workspace = mkdtempSync(join(tmpdir(), "rrc-scale-bench-"));

const upstream = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
});
await new Promise<void>((resolveListen) => upstream.listen(0, "127.0.0.1", resolveListen));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

/** The generated policy, reachable: a known api key and the local upstream. */
function scalePolicy(ruleCount: number): PolicyDocument {
  const document = generatePolicy(ruleCount);
  const digest = `sha256:${createHash("sha256").update(API_KEY).digest("hex")}` as const;
  return {
    ...document,
    targets: document.targets!.map((target) => ({ ...target, url: upstreamUrl })),
    proxyCredentials: document.proxyCredentials!.map((credential) => ({
      ...credential,
      auth: { type: "apiKey", keys: [digest] },
    })),
  };
}

/** CPU seconds of this process's reaped children (/proc/self/stat cutime + cstime). */
function childrenCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? Number.NaN);
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolveRun) => child.once("exit", (code) => resolveRun({ code, output })));
}

function serve(bundle: string): Promise<{ child: ChildProcess; port: number; startMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [cli, "serve", "--bundle", bundle, "--host", "127.0.0.1", "--port", "0", "--admin-port", "off"].concat([
      "--log",
      "none",
      "--workers",
      "1",
      "--meter-state-dir",
      join(bundle, "..", "meter-state"),
    ]),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolveServe, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [^:]+:(\d+)/.exec(output);
      if (match) resolveServe({ child, port: Number(match[1]), startMs: performance.now() - started });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`rrc serve exited ${code}: ${output}`)));
  });
}

interface Row {
  readonly size: number;
  readonly buildMs: number;
  readonly buildCpuS: number;
  readonly moduleBytes: number;
  readonly bundleBytes: number;
  readonly regexSets: number;
  readonly startMs: number;
  readonly rssMb: number;
  readonly peakMb: number;
  readonly requests: number;
  readonly statuses: string;
}

async function measure(size: number): Promise<Row> {
  const dir = join(workspace, String(size));
  mkdirSync(dir);
  const policyFile = join(dir, "policy.json");
  // Formatted as a person would keep it (diagnostic excerpts quote whole lines).
  writeFileSync(policyFile, JSON.stringify(scalePolicy(size), null, 2));
  const bundle = join(dir, "bundle");
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const built = await run([cli, "build", policyFile, "--out", bundle]);
  const buildMs = performance.now() - started;
  const buildCpuS = childrenCpuSeconds() - cpuBefore;
  if (built.code !== 0) throw new Error(`rrc build failed (${built.code}): ${built.output}`);
  const files = readdirSync(bundle);
  const bundleBytes = files.reduce((sum, name) => sum + statSync(join(bundle, name)).size, 0);
  const manifest = JSON.parse(readFileSync(join(bundle, "manifest.json"), "utf8")) as {
    module: string;
    stats: { regexSets: number };
  };
  const moduleBytes = statSync(join(bundle, manifest.module)).size;

  const { child, port, startMs } = await serve(bundle);
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
  try {
    const headers = { "x-api-key": API_KEY };
    const paths = ["/api/svc1/items/7", "/api/svc2/items", "/api/svc3/admin/x", "/api/nope/1"];
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 16,
      duration: WARM_SECONDS,
      requests: paths.map((path, n) => ({ method: n === 1 ? "POST" : "GET", path, headers })),
    });
    const statuses = Object.entries(result.statusCodeStats ?? {})
      .map(([status, stat]) => `${status}×${(stat as { count: number }).count}`)
      .join(" ");
    await new Promise((resolveWait) => setTimeout(resolveWait, 300));
    return {
      size,
      buildMs,
      buildCpuS,
      moduleBytes,
      bundleBytes,
      regexSets: manifest.stats.regexSets,
      startMs,
      rssMb: statusKb(child.pid!, "VmRSS") / 1024,
      peakMb: statusKb(child.pid!, "VmHWM") / 1024,
      requests: result.requests.total,
      statuses,
    };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

async function passTimings(size: number): Promise<string> {
  const file = join(workspace, `passes-${size}.json`);
  writeFileSync(file, JSON.stringify(scalePolicy(size), null, 2));
  const result = await compile({ paths: [file], cwd: workspace, until: "artifact" });
  if (!result.ok) throw new Error("the policy did not compile in process");
  return result.timings.map((timing) => `${timing.pass} ${timing.ms.toFixed(0)}`).join(", ");
}

const rows: Row[] = [];
let passes = "";
try {
  for (const size of SIZES) rows.push(await measure(size));
  passes = await passTimings(SIZES[SIZES.length - 1]!);
} finally {
  upstream.close();
  rmSync(workspace, { recursive: true, force: true });
}

console.log(
  `rrc build (CLI, child process), bundle, rrc serve --workers 1 after a ${WARM_SECONDS} s warm-up`,
);
console.log(
  "rules    build s   build CPU s   module KB   bundle KB   regex sets   start-up ms   RSS MB   peak RSS MB   warm-up requests (status×count)",
);
for (const row of rows) {
  console.log(
    `${String(row.size).padStart(6)}  ${(row.buildMs / 1000).toFixed(2).padStart(8)}  ${row.buildCpuS.toFixed(2).padStart(12)}` +
      `  ${(row.moduleBytes / 1024).toFixed(0).padStart(10)}  ${(row.bundleBytes / 1024).toFixed(0).padStart(10)}` +
      `  ${String(row.regexSets).padStart(11)}  ${row.startMs.toFixed(0).padStart(12)}  ${row.rssMb.toFixed(1).padStart(7)}` +
      `  ${row.peakMb.toFixed(1).padStart(12)}   ${row.requests} (${row.statuses})`,
  );
}
console.log(`\nin-process compile of ${SIZES[SIZES.length - 1]} rules, ms per pass: ${passes}`);
const large = rows.find((row) => row.size === 10_000)!;
const verdict = (ok: boolean) => (ok ? "holds" : "MISSED");
console.log(
  `\nrrc build, 10,000 rules: ${(large.buildMs / 1000).toFixed(2)} s (target ≤ 10 s: ${verdict(large.buildMs <= 10_000)})`,
);
console.log(
  `rrc serve RSS with the 10,000-rule bundle: ${large.rssMb.toFixed(1)} MB, peak ${large.peakMb.toFixed(1)} MB ` +
    `(target ≤ 150 MB: ${verdict(large.peakMb <= 150)})`,
);
if (process.argv.includes("--check") && (large.buildMs > 10_000 || large.peakMb > 150)) process.exitCode = 1;
