// Instructions per request, end to end: the bare undici pass-through and `rrc serve` (the
// gateway benchmark's full policy) each run under valgrind's callgrind, warmed up with
// autocannon, then counted over a fixed number of requests. Unlike throughput on a shared
// machine, an instruction count barely moves from run to run, so it shows what a change to
// the hot path is worth even where timings are noise (a 2-core VM). It counts user-space
// instructions of every thread (the kernel's are not counted), and reports V8's optimising
// compiler apart: under valgrind a warm server still compiles, and that is not per-request work.
//
// `npm run bench:gateway-ir` (needs valgrind). RRC_BENCH_IR_WARM (default 25,000) requests
// warm each server up; RRC_BENCH_IR_REQUESTS (default 2,000) are counted; RRC_BENCH_IR_ROUNDS
// (default 3) fresh processes of each, alternating, of which the lowest count is compared;
// RRC_BENCH_IR_KEEP=<dir> keeps the dumps there, each with the V8 perf map (`--perf-basic-prof`) that
// names the JIT-compiled functions behind callgrind's bare addresses (V8 writes it to /tmp).
import { type ChildProcess, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { BENCH_API_KEY, BENCH_PATH } from "./gateway-policy.ts";
import {
  RRC_ENV,
  RRC_READY,
  rrcServeArgs,
  SERVER_READY,
  startChild,
  writeBenchmarkBundle,
} from "./gateway-setup.ts";

const WARM = Number(process.env.RRC_BENCH_IR_WARM ?? 25_000);
const REQUESTS = Number(process.env.RRC_BENCH_IR_REQUESTS ?? 2_000);
const ROUNDS = Number(process.env.RRC_BENCH_IR_ROUNDS ?? 3);
/** A folder to keep the counted dumps in, for `callgrind_annotate`. */
const KEEP = process.env.RRC_BENCH_IR_KEEP;
const CONNECTIONS = 16;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const workspace = mkdtempSync(join(tmpdir(), "rrc-gateway-ir-"));
const children: ChildProcess[] = [];

for (const tool of ["valgrind", "callgrind_control", "callgrind_annotate"]) {
  if (spawnSync(tool, ["--version"]).error) {
    console.error(`bench:gateway-ir needs ${tool} (Debian: apt-get install valgrind)`);
    process.exit(2);
  }
}

async function load(port: number, amount: number, headers: Record<string, string>): Promise<number> {
  const url = `http://127.0.0.1:${port}${BENCH_PATH}`;
  const result = await autocannon({ url, connections: CONNECTIONS, amount, headers, timeout: 60 });
  if (result.non2xx + result.errors + result.timeouts > 0) throw new Error(`${url}: requests failed`);
  return result["2xx"];
}

interface Counted {
  readonly total: number;
  readonly compiler: number;
  /** OpenSSL's SHA-256 block function (the api-key digest), which valgrind runs in its AVX2 form. */
  readonly sha256: number;
}

/** Self instruction counts of a callgrind dump, split into V8's compiler and everything else. */
function countInstructions(file: string): Counted {
  const annotated = spawnSync("callgrind_annotate", ["--inclusive=no", "--threshold=100", file], {
    encoding: "utf8",
    maxBuffer: 256 << 20,
  }).stdout;
  let total = 0;
  let compiler = 0;
  let sha256 = 0;
  for (const line of annotated.split("\n")) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!match || match[2]!.includes("PROGRAM TOTALS")) continue;
    const count = Number(match[1]!.replaceAll(",", ""));
    total += count;
    if (
      /v8::internal::(compiler|maglev|turboshaft)::|Compiler::|OptimizingCompileDispatcher/.test(match[2]!)
    ) {
      compiler += count;
    }
    if (/sha256_block_data_order/.test(match[2]!)) sha256 += count;
  }
  return { total, compiler, sha256 };
}

async function measure(name: string, round: number, args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const profileDir = join(workspace, `${name}-${round}`);
  mkdirSync(profileDir);
  const valgrindArgs = [
    "--tool=callgrind",
    "--instr-atstart=no",
    `--callgrind-out-file=${join(profileDir, "callgrind.%p")}`,
    process.execPath,
    ...(KEEP ? ["--perf-basic-prof"] : []),
    ...args,
  ];
  const { port, child } = await startChild(children, "valgrind", valgrindArgs, env, ready);
  const headers: Record<string, string> = name === "rrc" ? { "x-api-key": BENCH_API_KEY } : {};
  await load(port, WARM, headers);
  spawnSync("callgrind_control", ["--instr=on", String(child.pid)]);
  const counted = await load(port, REQUESTS, headers);
  spawnSync("callgrind_control", ["--instr=off", String(child.pid)]);
  spawnSync("callgrind_control", ["--dump", String(child.pid)]);
  child.kill("SIGTERM");
  await new Promise((resolveExit) => child.once("exit", resolveExit));
  // The dump taken above is the largest file; the one written at exit holds nothing counted.
  const dumps = readdirSync(profileDir).map((file) => join(profileDir, file));
  const dump = dumps.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const instructions = countInstructions(dump);
  if (KEEP) {
    copyFileSync(dump, join(KEEP, `callgrind.${name}-${round + 1}`));
    copyFileSync(`/tmp/perf-${child.pid}.map`, join(KEEP, `perf.${name}-${round + 1}.map`));
  }
  return { name, round, requests: counted, ...instructions };
}

try {
  const serversScript = join(root, "dist", "bench", "gateway-servers.js");
  const { port: upstreamPort } = await startChild(
    children,
    process.execPath,
    [serversScript, "upstream"],
    {},
    SERVER_READY,
  );
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const bundleDir = await writeBenchmarkBundle(workspace, upstreamUrl);

  const rows: Awaited<ReturnType<typeof measure>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rows.push(await measure("bare", round, [serversScript, "bare", upstreamUrl], {}, SERVER_READY));
    const rrcArgs = rrcServeArgs(root, bundleDir, workspace, String(round), 1);
    rows.push(await measure("rrc", round, rrcArgs, RRC_ENV, RRC_READY));
  }

  const perRequest = (count: number, requests: number) => count / requests / 1_000;
  const rest = (row: (typeof rows)[number]) => perRequest(row.total - row.compiler, row.requests);
  console.log(
    `callgrind, ${WARM} requests of warm-up, then ${REQUESTS} counted (${CONNECTIONS} connections), ` +
      `${ROUNDS} rounds; thousands of instructions per request, user space, all threads:`,
  );
  console.log("round  server   total   V8 compiler   the rest   of which SHA-256 blocks");
  for (const row of rows) {
    console.log(
      `${String(row.round + 1).padEnd(6)} ${row.name.padEnd(6)} ${perRequest(row.total, row.requests).toFixed(1).padStart(7)}` +
        `   ${perRequest(row.compiler, row.requests).toFixed(1).padStart(11)}   ${rest(row).toFixed(1).padStart(8)}` +
        `   ${perRequest(row.sha256, row.requests).toFixed(1).padStart(23)}`,
    );
  }
  // A GC or an unlucky batching of requests only ever adds instructions: each server's lowest round counts.
  const lowestRow = (name: string) =>
    rows.filter((row) => row.name === name).reduce((best, row) => (rest(row) < rest(best) ? row : best));
  const lowest = (name: string) => rest(lowestRow(name));
  const ratio = lowest("rrc") / lowest("bare");
  console.log(
    `\nrrc / bare, without the compiler, lowest rounds: ${ratio.toFixed(2)}× the instructions per request ` +
      `(at equal instructions per cycle, rrc would keep ${((1 / ratio) * 100).toFixed(0)}% of bare's throughput)`,
  );
  // Valgrind hides the CPU's SHA extensions from OpenSSL, so the api-key digest runs its AVX2 code here
  // (about 2k instructions a block); a native run on a CPU with SHA-NI does the block in a few hundred.
  const lowestRrc = lowestRow("rrc");
  const sha = perRequest(lowestRrc.sha256, lowestRrc.requests);
  if (sha > 0) {
    console.log(
      `of rrc's lowest round, ${sha.toFixed(1)}k is OpenSSL's SHA-256 block function in its AVX2 form (valgrind ` +
        `hides SHA-NI from OpenSSL); without it: ${((lowest("rrc") - sha) / lowest("bare")).toFixed(2)}×`,
    );
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  rmSync(workspace, { recursive: true, force: true });
}
