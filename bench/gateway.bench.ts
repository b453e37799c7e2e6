// The full gateway (API-key authentication, 100 rules, a response filter, decision log to
// a file) against a bare undici pass-through proxy on the same upstream (SPEC §13: keep
// ≥ 80% of its throughput). autocannon on loopback, bounded; every server is a separate
// process so CPU per request is measured per process. Run with `npm run bench:gateway`.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { writeBundle } from "../compiler/artifact/index.ts";
import type { PolicyDocument, Rule } from "../compiler/authoring/types.ts";
import { compile } from "../compiler/pipeline.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const DURATION = Number(process.env.RRC_BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const workspace = mkdtempSync(join(tmpdir(), "rrc-gateway-bench-"));
const children: ChildProcess[] = [];

function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  readyPattern = /ready (\d+)/,
): Promise<{ port: number; pid: number }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolvePort, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = readyPattern.exec(output);
      if (match) resolvePort({ port: Number(match[1]), pid: child.pid! });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`child exited ${code}: ${output}`)));
  });
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function load(port: number, pid: number, headers: Record<string, string>) {
  const url = `http://127.0.0.1:${port}/bench/v1/items/42`;
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers }); // warm-up
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const ok = result["2xx"];
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: (cpu / Math.max(ok, 1)) * 1e6,
    non2xx: result.non2xx + result.errors,
  };
}

function benchmarkPolicy(upstreamUrl: string): PolicyDocument {
  const rules: Rule[] = [];
  for (let index = 0; index < 99; index++) {
    rules.push({
      id: `svc${index}-read`,
      effect: "allow",
      methods: ["GET"],
      path: `^/svc${index}/items(/[0-9]+)?$`,
    });
  }
  rules.push({ id: "bench-read", effect: "allow", methods: ["GET"], path: "^/v1/items(/[0-9]+)?$" });
  return {
    targets: [
      {
        id: "upstream",
        url: upstreamUrl,
        filters: [{ op: "destroy", paths: ["$.card.number"], match: { path: "^/v1/" } }],
      },
    ],
    targetCredentials: [
      { id: "none", target: "upstream", auth: { type: "bearer", secret: { env: "RRC_BENCH_TOKEN" } } },
    ],
    proxyCredentials: [
      {
        id: "caller",
        auth: { type: "apiKey", keys: [`sha256:${createHash("sha256").update("bench-key").digest("hex")}`] },
      },
    ],
    proxies: [
      {
        id: "bench",
        target: "upstream",
        targetCredential: "none",
        credentials: ["caller"],
        default: "deny",
        rules,
      },
    ],
  };
}

try {
  const serversScript = join(root, "dist", "bench", "gateway-servers.js");
  const upstream = await start([serversScript, "upstream"]);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const bare = await start([serversScript, "bare", upstreamUrl]);

  const policyDir = join(workspace, "policy");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, "policy.json"), JSON.stringify(benchmarkPolicy(upstreamUrl)));
  const built = await compile({ paths: [policyDir], cwd: workspace, until: "artifact" });
  if (!built.ok || !built.bundle) throw new Error("benchmark policy did not build");
  writeBundle(join(workspace, "bundle"), built.bundle);
  const gateway = await start(
    [
      join(root, "bin", "rrc.js"),
      "serve",
      "--bundle",
      join(workspace, "bundle"),
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--admin-port",
      "off",
      "--log",
      `file:${join(workspace, "decisions.jsonl")}`,
    ],
    { RRC_BENCH_TOKEN: "bench-upstream-token" },
    /listening on [^:]+:(\d+)/,
  );

  const direct = await load(upstream.port, upstream.pid, {});
  const bareResult = await load(bare.port, bare.pid, {});
  const rrc = await load(gateway.port, gateway.pid, { "x-api-key": "bench-key" });
  const rows = [
    ["direct to upstream", direct],
    ["bare undici pass-through", bareResult],
    ["rrc serve (full enforcement)", rrc],
  ] as const;
  console.log(
    `autocannon: ${CONNECTIONS} connections, ${DURATION} s each, loopback, 2-core machine shared by all processes`,
  );
  console.log("target                         req/s     p50 ms   p99 ms   CPU µs/req (server)   non-2xx");
  for (const [name, row] of rows) {
    console.log(
      `${name.padEnd(30)} ${row.rps.toFixed(0).padStart(7)}  ${String(row.p50).padStart(7)}  ${String(row.p99).padStart(7)}  ${row.cpuUsPerRequest.toFixed(0).padStart(12)}           ${row.non2xx}`,
    );
  }
  const ratio = rrc.rps / bareResult.rps;
  console.log(`\nrrc / bare pass-through throughput: ${(ratio * 100).toFixed(1)}% (target ≥ 80%)`);
  if (rrc.non2xx > 0) console.log("warning: rrc answered non-2xx during the run");
  if (process.argv.includes("--check") && ratio < 0.8) process.exitCode = 1;
} finally {
  for (const child of children) child.kill("SIGTERM");
  rmSync(workspace, { recursive: true, force: true });
}
