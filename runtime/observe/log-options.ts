// `rrc serve`'s decision-log flags → the sink and the log's options. Errors are made by the
// caller's factory so the CLI reports them as usage errors (exit code 1).
import { resolve } from "node:path";
import type { DecisionLogOptions, LogSink } from "./decision-log.ts";

export const LOG_FLAGS = {
  log: { type: "string" },
  "log-max-bytes": { type: "string" },
  "log-keep": { type: "string" },
  "log-buffer": { type: "string" },
  "log-backpressure": { type: "string" },
  "log-block-timeout": { type: "string" },
  "log-retry-max": { type: "string" },
} as const;

export type LogFlags = { [K in keyof typeof LOG_FLAGS]?: string };

/** Sent as `authorization` to an HTTP collector: an environment variable, never a flag (`ps` shows flags). */
export const LOG_AUTHORIZATION_ENV = "RRC_LOG_AUTHORIZATION";

export function parseLogFlags(
  flags: LogFlags,
  env: NodeJS.ProcessEnv,
  usage: (message: string) => Error,
): { log: LogSink; logOptions: DecisionLogOptions } {
  const count = (name: keyof LogFlags, fallback: number, min = 0): number => {
    const value = flags[name];
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min)
      throw usage(`--${name} must be an integer of at least ${min}`);
    return parsed;
  };
  const target = flags.log ?? "stdout";
  let log: LogSink;
  if (target === "stdout" || target === "none") log = { kind: target };
  else if (target.startsWith("file:")) {
    log = {
      kind: "file",
      path: resolve(target.slice("file:".length)),
      maxBytes: count("log-max-bytes", 0),
      keep: count("log-keep", 5),
    };
  } else if (target.startsWith("http://") || target.startsWith("https://")) {
    log = {
      kind: "http",
      url: collectorUrl(target, usage),
      headers: authorization(env),
      retryMaxMs: count("log-retry-max", 10_000, 1),
    };
  } else throw usage("--log must be stdout, none, file:<path>, or an http:// or https:// collector URL");
  if (log.kind !== "file" && (flags["log-max-bytes"] !== undefined || flags["log-keep"] !== undefined)) {
    throw usage("--log-max-bytes and --log-keep apply to --log file:<path> only");
  }
  if (log.kind !== "http" && flags["log-retry-max"] !== undefined) {
    throw usage("--log-retry-max applies to an HTTP collector only");
  }
  const backpressure = flags["log-backpressure"] ?? "drop";
  if (backpressure !== "drop" && backpressure !== "block")
    throw usage("--log-backpressure must be drop or block");
  return {
    log,
    logOptions: {
      maxBufferedRecords: count("log-buffer", 10_000, 1),
      backpressure,
      blockTimeoutMs: count("log-block-timeout", 5_000),
    },
  };
}

function collectorUrl(value: string, usage: (message: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`--log \`${value}\` is not a URL`);
  }
  if (url.username || url.password) {
    throw usage(`credentials do not belong in --log; set ${LOG_AUTHORIZATION_ENV} instead`);
  }
  return url.href;
}

function authorization(env: NodeJS.ProcessEnv): Record<string, string> {
  const value = env[LOG_AUTHORIZATION_ENV];
  return value ? { authorization: value } : {};
}
