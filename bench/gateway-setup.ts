// What the end-to-end gateway benchmarks share: child processes that report a port once ready,
// the benchmark policy built into a bundle, and the `rrc serve` command line that serves it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeBundle } from "../compiler/artifact/index.ts";
import { compile } from "../compiler/pipeline.ts";
import { benchmarkPolicy } from "./gateway-policy.ts";

/** Spawns `command` and resolves with the port the first `ready` match names (group 1). */
export function startChild(
  children: ChildProcess[],
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolvePort, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolvePort({ port: Number(match[1]), child });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command} exited ${code}: ${output.slice(-2_000)}`)));
  });
}

/** Builds the benchmark policy for `upstreamUrl` into `{workspace}/bundle`; returns that directory. */
export async function writeBenchmarkBundle(workspace: string, upstreamUrl: string): Promise<string> {
  const policyDir = join(workspace, "policy");
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, "policy.json"), JSON.stringify(benchmarkPolicy(upstreamUrl)));
  const built = await compile({ paths: [policyDir], cwd: workspace, until: "artifact" });
  if (!built.ok || !built.bundle) throw new Error("benchmark policy did not build");
  const bundleDir = join(workspace, "bundle");
  writeBundle(bundleDir, built.bundle);
  return bundleDir;
}

/** `rrc serve` on `bundleDir`, port chosen by the system, decision log and meter state named by `name`. */
export function rrcServeArgs(
  root: string,
  bundleDir: string,
  workspace: string,
  name: string,
  workers: number,
) {
  return [
    join(root, "bin", "rrc.js"),
    "serve",
    "--bundle",
    bundleDir,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--admin-port",
    "off",
    "--log",
    `file:${join(workspace, `decisions-${name}.jsonl`)}`,
    "--meter-state-dir",
    join(workspace, `meter-state-${name}`),
    "--workers",
    String(workers),
  ];
}

export const RRC_READY = /listening on [^:]+:(\d+)/;
export const SERVER_READY = /ready (\d+)/;
export const RRC_ENV: NodeJS.ProcessEnv = { RRC_BENCH_TOKEN: "bench-upstream-token" };
