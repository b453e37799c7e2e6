// `rrc serve`: flags to ServeOptions, status lines on stderr (stdout carries the decision
// log by default), SIGHUP reloads, SIGTERM/SIGINT drain and stop.

import cluster from "node:cluster";
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { IpcMeterStore } from "../../runtime/meter/ipc-store.ts";
import type { DecisionRecord } from "../../runtime/observe/decision-record.ts";
import { LOG_FLAGS, type LogFlags, parseLogFlags } from "../../runtime/observe/log-options.ts";
import { type PrimaryMessage, startCluster, type WorkerMessage } from "../../runtime/server/cluster.ts";
import { describe, type ServeOptions, startGateway } from "../../runtime/server/serve.ts";
import { UsageError } from "./usage-error.ts";

export interface ServeFlags extends LogFlags {
  bundle?: string;
  port?: string;
  host?: string;
  "admin-port"?: string;
  "admin-host"?: string;
  "verify-key"?: string;
  watch?: boolean;
  "shadow-bundle"?: string;
  "hide-rules"?: boolean;
  "filter-limit"?: string;
  "upstream-connect-timeout"?: string;
  "upstream-timeout"?: string;
  "client-timeout"?: string;
  "header-timeout"?: string;
  "max-header-bytes"?: string;
  drain?: string;
  "jwks-cooldown"?: string;
  "meter-store"?: string;
  "meter-state-dir"?: string;
  "meter-fail-open"?: boolean;
  workers?: string;
}

export const SERVE_OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  "admin-port": { type: "string" },
  "admin-host": { type: "string" },
  "verify-key": { type: "string" },
  watch: { type: "boolean" },
  ...LOG_FLAGS,
  "shadow-bundle": { type: "string" },
  "hide-rules": { type: "boolean" },
  "filter-limit": { type: "string" },
  "upstream-connect-timeout": { type: "string" },
  "upstream-timeout": { type: "string" },
  "client-timeout": { type: "string" },
  "header-timeout": { type: "string" },
  "max-header-bytes": { type: "string" },
  drain: { type: "string" },
  "jwks-cooldown": { type: "string" },
  "meter-store": { type: "string" },
  "meter-state-dir": { type: "string" },
  "meter-fail-open": { type: "boolean" },
  workers: { type: "string" },
} as const;

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new UsageError(`--${name} must be a non-negative integer`);
  return parsed;
}

function verifyKey(path: string | undefined): KeyObject | undefined {
  if (!path) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path, "utf8"));
  } catch {
    throw new UsageError(`cannot read an Ed25519 public key from \`${path}\``);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new UsageError("--verify-key must be an Ed25519 public key");
  return key;
}

export async function runServe(flags: ServeFlags): Promise<number> {
  if (!flags.bundle) throw new UsageError("`rrc serve` needs --bundle <dir>");
  const upstreamTimeout = integer(flags["upstream-timeout"], 30_000, "upstream-timeout");
  const options: ServeOptions = {
    bundleDir: resolve(flags.bundle),
    host: flags.host ?? "0.0.0.0",
    port: integer(flags.port, 8080, "port"),
    adminHost: flags["admin-host"] ?? "127.0.0.1",
    adminPort: flags["admin-port"] === "off" ? null : integer(flags["admin-port"], 9901, "admin-port"),
    verifyKey: verifyKey(flags["verify-key"]),
    watch: flags.watch ?? false,
    ...parseLogFlags(flags, process.env, (message) => new UsageError(message)),
    shadowBundleDir: flags["shadow-bundle"] ? resolve(flags["shadow-bundle"]) : undefined,
    hideRules: flags["hide-rules"] ?? false,
    filterLimit: integer(flags["filter-limit"], 6 * 1024 * 1024, "filter-limit"),
    upstream: {
      connectMs: integer(flags["upstream-connect-timeout"], 5_000, "upstream-connect-timeout"),
      headersMs: upstreamTimeout,
      bodyMs: upstreamTimeout,
    },
    clientHeadersMs: integer(flags["header-timeout"], 10_000, "header-timeout"),
    clientRequestMs: integer(flags["client-timeout"], 30_000, "client-timeout"),
    maxHeaderBytes: integer(flags["max-header-bytes"], 16 * 1024, "max-header-bytes"),
    secrets: { env: process.env, baseDir: process.cwd() },
    drainMs: integer(flags.drain, 10_000, "drain"),
    jwksCooldownMs: integer(flags["jwks-cooldown"], 30_000, "jwks-cooldown"),
    meterStore: flags["meter-store"],
    meterStateDir: resolve(flags["meter-state-dir"] ?? ".rrc-state"),
    meterFailOpen: flags["meter-fail-open"] ?? false,
    onReload: (result) =>
      process.stderr.write(
        result.ok
          ? `rrc serve: reloaded revision ${result.revision}\n`
          : `rrc serve: reload failed, keeping the running policy: ${result.error}\n`,
      ),
  };
  const workers = integer(flags.workers, availableParallelism(), "workers");
  if (workers < 1) throw new UsageError("--workers must be at least 1");
  if (workers > 1 && options.log.kind === "file" && options.log.maxBytes) {
    // Each worker has its own file sink: several would rotate one file at once.
    throw new UsageError("--log-max-bytes needs --workers 1 (or log to an HTTP collector)");
  }
  if (cluster.isWorker) return runWorker(options);
  const running = workers === 1 ? await startGateway(options) : await startCluster(options, workers);
  const admin =
    running.adminPort === null ? "off" : `${flags["admin-host"] ?? "127.0.0.1"}:${running.adminPort}`;
  const processes = workers === 1 ? "" : `, ${workers} workers`;
  // Before the listening line, which tells supervisors (and tests) that SIGHUP is safe to send.
  process.on("SIGHUP", () => void running.reload());
  if (running.shadowRevision) {
    process.stderr.write(`rrc serve: shadow revision ${running.shadowRevision} (compared, not enforced)\n`);
  }
  process.stderr.write(
    `rrc serve: listening on ${flags.host ?? "0.0.0.0"}:${running.port}, admin ${admin}, revision ${running.revision}${processes}\n`,
  );
  return new Promise<number>((resolveExit) => {
    const stop = () => {
      process.stderr.write("rrc serve: draining\n");
      running.close().then(
        () => resolveExit(0),
        (error: unknown) => {
          process.stderr.write(`rrc serve: shutdown error: ${describe(error)}\n`);
          resolveExit(2);
        },
      );
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

/** Decisions for the primary's live feed, sent as one IPC message per event-loop turn. */
function batchDecisions(): (record: DecisionRecord) => void {
  let records: DecisionRecord[] = [];
  const flush = () => {
    process.send?.({ type: "rrc-decisions", records } satisfies WorkerMessage);
    records = [];
  };
  return (record) => {
    if (records.push(record) === 1) setImmediate(flush);
  };
}

/** A cluster worker: serves on the shared socket, meters through the primary's store,
 * and leaves signals, the admin port and the status lines to the primary. */
async function runWorker(options: ServeOptions): Promise<number> {
  const running = await startGateway({
    ...options,
    adminPort: null,
    meterStoreInstance: options.meterStore ? undefined : new IpcMeterStore(process as never),
    // Only when the primary serves a dashboard; batched per event-loop turn, not a message per decision.
    forwardDecision: options.adminPort === null ? undefined : batchDecisions(),
  });
  const send = (message: WorkerMessage) => process.send?.(message);
  // The primary decides: a terminal's signals reach the whole process group.
  process.on("SIGHUP", () => undefined);
  process.on("SIGINT", () => undefined);
  send({ type: "rrc-ready", port: running.port, revision: running.revision });
  return new Promise<number>(() => {
    // The IPC channel would keep a drained worker alive: leave explicitly.
    const stop = () =>
      running.close().then(
        () => process.exit(0),
        () => process.exit(2),
      );
    process.once("SIGTERM", stop);
    process.on("message", (message: PrimaryMessage) => {
      if (message.type === "rrc-reload") {
        void running.reload().then((ok) => send({ type: "rrc-reloaded", ok }));
      } else if (message.type === "rrc-shutdown") {
        void stop();
      } else if (message.type === "rrc-metrics") {
        void running
          .metricsJson()
          .then((json) => send({ type: "rrc-metrics", id: message.id, json: json as object[] }));
      }
    });
  });
}
