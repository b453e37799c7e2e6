// The full gateway (API-key authentication, 100 rules, a meter, a response filter, decision
// log to a file) against the upstream directly (the limit), a bare undici pass-through and
// @fastify/http-proxy, all on the same upstream (SPEC §13: keep ≥ 80% of the bare
// pass-through's throughput; be ahead of @fastify/http-proxy). autocannon on loopback,
// bounded; every server is a separate process so CPU per request is read per process from
// /proc/<pid>/stat. Run with `npm run bench:gateway` (`-- --check` exits 1 on a missed
// target). RRC_BENCH_SECONDS sets the seconds per run (default 4); RRC_BENCH_PROFILE=<dir>
// starts the three single-process proxies with --cpu-prof into that directory.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
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

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const DURATION = Number(process.env.RRC_BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.RRC_BENCH_ROUNDS ?? 3);
// Every server is warmed up this long before its first timed run: V8 keeps optimising for a few
// seconds, and a proxy still being compiled would be measured against one that is not.
const WARM_SECONDS = Number(process.env.RRC_BENCH_WARM_SECONDS ?? 3);
const PROFILE_DIR = process.env.RRC_BENCH_PROFILE;
const CONNECTIONS = 32;
const PATH = BENCH_PATH;
const workspace = mkdtempSync(join(tmpdir(), "rrc-gateway-bench-"));
const children: ChildProcess[] = [];

function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  ready = SERVER_READY,
): Promise<{ port: number; pid: number }> {
  return startChild(children, process.execPath, args, env, ready).then(({ port, child }) => ({
    port,
    pid: child.pid!,
  }));
}

/** utime + stime of a process and its live descendants (cluster workers), in seconds
 * (Linux /proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while /proc was read
    }
  }
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    ticks += stats.get(current)?.cpu ?? 0;
    for (const [child, stat] of stats) if (stat.ppid === current) pending.push(child);
  }
  return ticks / 100;
}

function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

interface Measured {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly proxyCpuUs: number;
  readonly upstreamCpuUs: number;
  readonly loaderCpuUs: number;
  readonly ok: number;
  readonly bad: number;
  /** Requests sent, warm-up included. */
  readonly sent: number;
}

async function load(
  port: number,
  pid: number,
  upstreamPid: number,
  headers: Record<string, string>,
  warm = true,
): Promise<Measured> {
  const url = `http://127.0.0.1:${port}${PATH}`;
  const warmUp = warm
    ? await autocannon({ url, connections: CONNECTIONS, duration: WARM_SECONDS, headers })
    : null;
  const before = { proxy: cpuSeconds(pid), upstream: cpuSeconds(upstreamPid), loader: selfCpuSeconds() };
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  const ok = result["2xx"];
  const perRequest = (seconds: number) => (seconds / Math.max(ok, 1)) * 1e6;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    proxyCpuUs: pid === upstreamPid ? 0 : perRequest(cpuSeconds(pid) - before.proxy),
    upstreamCpuUs: perRequest(cpuSeconds(upstreamPid) - before.upstream),
    loaderCpuUs: perRequest(selfCpuSeconds() - before.loader),
    ok,
    bad: result.non2xx + result.errors + result.timeouts,
    sent: result.requests.sent + (warmUp?.requests.sent ?? 0),
  };
}

/** One request before timing: the answer each server gives must be the one benchmarked. */
async function preflight(port: number, headers: Record<string, string>, filtered: boolean): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers });
  const body = await response.text();
  if (response.status !== 200)
    throw new Error(`preflight on port ${port}: status ${response.status} ${body}`);
  if (filtered !== !body.includes("4242424242424242")) {
    throw new Error(
      `preflight on port ${port}: card number ${filtered ? "not removed" : "missing"}: ${body}`,
    );
  }
  if (filtered && response.headers.get("x-rrc-code") !== "access-granted") {
    throw new Error(`preflight: rrc answered without x-rrc-code access-granted`);
  }
  if (filtered && !response.headers.get("ratelimit") && !response.headers.get("ratelimit-policy")) {
    throw new Error("preflight: rrc answered without RateLimit headers (is the meter applied?)");
  }
}

try {
  const serversScript = join(root, "dist", "bench", "gateway-servers.js");
  const upstream = await start([serversScript, "upstream"]);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const profile = PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", resolve(PROFILE_DIR)] : [];
  const bare = await start([...profile, serversScript, "bare", upstreamUrl]);
  const fastify = await start([...profile, serversScript, "fastify", upstreamUrl]);

  const bundleDir = await writeBenchmarkBundle(workspace, upstreamUrl);
  const startRrc = (workers: number, profiled: boolean) =>
    start(
      [...(profiled ? profile : []), ...rrcServeArgs(root, bundleDir, workspace, String(workers), workers)],
      RRC_ENV,
      RRC_READY,
    );
  // One process, like the two other proxies; then the default on this machine, a worker per core.
  const gateway = await startRrc(1, true);
  const cluster = await startRrc(availableParallelism(), false);
  const apiKey = { "x-api-key": BENCH_API_KEY };

  await preflight(upstream.port, {}, false);
  await preflight(bare.port, {}, false);
  await preflight(fastify.port, {}, false);
  await preflight(gateway.port, apiKey, true);
  await preflight(cluster.port, apiKey, true);

  // Two interleaved rounds; each proxy keeps its better round, so that a burst of other work
  // on the machine during one run does not decide the ratios.
  const direct = await load(upstream.port, upstream.pid, upstream.pid, {});
  const best = new Map<string, Measured>();
  const roundRatios: number[] = [];
  const roundCpuRatios: number[] = [];
  const roundRps = { bare: [] as number[], rrc: [] as number[] };
  let rrcSent = 0;
  let bareThisRound: Measured | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, port, pid, headers] of [
      ["bare", bare.port, bare.pid, {}],
      ["rrc", gateway.port, gateway.pid, apiKey],
      ["fastify", fastify.port, fastify.pid, {}],
    ] as const) {
      const measured = await load(port, pid, upstream.pid, headers, round === 0);
      if (name === "rrc") rrcSent += measured.sent;
      if (name === "bare") bareThisRound = measured;
      if (name === "bare" || name === "rrc") roundRps[name].push(measured.rps);
      if (name === "rrc" && bareThisRound !== null) {
        roundRatios.push(measured.rps / bareThisRound.rps);
        roundCpuRatios.push(measured.proxyCpuUs / bareThisRound.proxyCpuUs);
      }
      if ((best.get(name)?.rps ?? -1) < measured.rps) best.set(name, measured);
    }
  }
  const bareResult = best.get("bare")!;
  const fastifyResult = best.get("fastify")!;
  const rrc = best.get("rrc")!;
  const rrcCluster = await load(cluster.port, cluster.pid, upstream.pid, apiKey);
  const median = (values: readonly number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const medianRatio = median(roundRatios);
  const rows = [
    ["direct to upstream (limit)", direct],
    ["bare undici pass-through", bareResult],
    ["@fastify/http-proxy", fastifyResult],
    ["rrc serve --workers 1", rrc],
    [`rrc serve --workers ${availableParallelism()}`, rrcCluster],
  ] as const;
  console.log(
    `autocannon: ${CONNECTIONS} connections, ${DURATION} s each (${WARM_SECONDS} s warm-up first), loopback, best of ` +
      `${ROUNDS} interleaved rounds for the three single-process proxies; the load generator, upstream ` +
      `and proxy share the machine's cores`,
  );
  console.log(
    "target                           req/s   p50 ms   p99 ms   CPU µs/req: proxy  upstream  autocannon   2xx      other",
  );
  for (const [name, row] of rows) {
    console.log(
      `${name.padEnd(30)} ${row.rps.toFixed(0).padStart(7)}  ${String(row.p50).padStart(7)}  ${String(row.p99).padStart(7)}` +
        `   ${(row.proxyCpuUs ? row.proxyCpuUs.toFixed(0) : "-").padStart(15)}  ${row.upstreamCpuUs.toFixed(0).padStart(8)}` +
        `  ${row.loaderCpuUs.toFixed(0).padStart(10)}  ${String(row.ok).padStart(7)}  ${String(row.bad).padStart(9)}`,
    );
  }
  const ratio = rrc.rps / bareResult.rps;
  const fastifyRatio = rrc.rps / fastifyResult.rps;
  const verdict = (ok: boolean) => (ok ? "holds" : "MISSED");
  console.log(
    `\nrrc / bare pass-through throughput: ${(ratio * 100).toFixed(1)}% (target ≥ 80%: ${verdict(ratio >= 0.8)})`,
  );
  console.log(
    `rrc / bare per round (bare measured just before rrc): ${roundRatios.map((r) => `${(r * 100).toFixed(1)}%`).join(", ")}; median ${(medianRatio * 100).toFixed(1)}%`,
  );
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  console.log(
    `rrc / bare, mean of all rounds: ${((mean(roundRps.rrc) / mean(roundRps.bare)) * 100).toFixed(1)}% ` +
      `(${mean(roundRps.rrc).toFixed(0)} against ${mean(roundRps.bare).toFixed(0)} req/s)`,
  );
  console.log(
    `rrc / @fastify/http-proxy throughput: ${(fastifyRatio * 100).toFixed(1)}% (target > 100%: ${verdict(fastifyRatio > 1)})`,
  );
  console.log(
    `proxy CPU per request: rrc ${rrc.proxyCpuUs.toFixed(0)} µs, bare ${bareResult.proxyCpuUs.toFixed(0)} µs, ` +
      `fastify ${fastifyResult.proxyCpuUs.toFixed(0)} µs (rrc's enforcement ≈ ${(rrc.proxyCpuUs - bareResult.proxyCpuUs).toFixed(0)} µs)`,
  );
  // The proxy is the bottleneck (one process, one core), so its CPU per request (user + kernel, from
  // /proc) bounds its throughput: a ratio of 1.25 is the 80% line.
  console.log(
    `proxy CPU per request, rrc / bare, per round: ${roundCpuRatios.map((r) => `${r.toFixed(2)}×`).join(", ")}; ` +
      `median ${median(roundCpuRatios).toFixed(2)}× (≤ 1.25× is ≥ 80% of bare's throughput at equal CPU)`,
  );
  // The log is flushed every 50 ms, so all but the last few records are on disk by now.
  await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  const logged = readFileSync(join(workspace, "decisions-1.jsonl"), "utf8").split("\n").length - 1;
  console.log(
    `decision log (--workers 1): ${logged} records on disk for ${rrcSent} requests sent (warm-up included)`,
  );
  if (rrc.bad + rrcCluster.bad > 0) console.log("warning: rrc answered non-2xx or failed during the run");
  if (process.argv.includes("--check") && (ratio < 0.8 || fastifyRatio <= 1)) process.exitCode = 1;
} finally {
  // SIGTERM lets every server exit normally, which writes its --cpu-prof profile.
  const exited = children.map(
    (child) =>
      new Promise((resolveExit) => {
        if (child.exitCode !== null || child.signalCode !== null) resolveExit(null);
        else child.once("exit", resolveExit);
      }),
  );
  for (const child of children) child.kill("SIGTERM");
  await Promise.race([Promise.all(exited), new Promise((resolveWait) => setTimeout(resolveWait, 5_000))]);
  rmSync(workspace, { recursive: true, force: true });
}
