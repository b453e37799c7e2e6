// Starts `rrc serve` as a real child process on loopback (port 0) and stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "./run-cli.ts";

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly adminPort: number | null;
  readonly url: string;
  stderr(): string;
  stdout(): string;
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export interface StartResult {
  readonly ok: false;
  readonly code: number | null;
  readonly stderr: string;
}

export function spawnServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess | StartResult> {
  // Meter state goes to a fresh temporary directory unless the test names one.
  const stateArgs = args.includes("--meter-state-dir")
    ? []
    : ["--meter-state-dir", mkdtempSync(join(tmpdir(), "rrc-state-"))];
  // One process unless the test asks for workers: some tests count calls per process.
  const workerArgs = args.includes("--workers") ? [] : ["--workers", "1"];
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--host", "127.0.0.1", "--port", "0", ...workerArgs, ...stateArgs, ...args],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ ok: false, code: null, stderr: `${stderr}\n(timed out waiting for start)` });
    }, 20_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      resolve({ ok: false, code, stderr });
    };
    // "close", not "exit": a child that fails fast can exit before its stderr has been read.
    child.once("close", onExit);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const match = /listening on [^:]+:(\d+), admin (?:[^:]+:(\d+)|off)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      child.off("close", onExit);
      const port = Number(match[1]);
      resolve({
        child,
        port,
        adminPort: match[2] ? Number(match[2]) : null,
        url: `http://127.0.0.1:${port}`,
        stderr: () => stderr,
        stdout: () => stdout,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) {
              done(child.exitCode);
              return;
            }
            const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
            child.once("exit", (code) => {
              clearTimeout(kill);
              done(code);
            });
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

export function isRunning(result: ServeProcess | StartResult): result is ServeProcess {
  return !("ok" in result);
}
