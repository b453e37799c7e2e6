// `rrc serve`: loads and verifies one bundle, builds its policy state in full, and serves.
// Reload (SIGHUP, --watch or `reload()`) builds the next state completely before an atomic
// swap; a failed reload keeps the running policy. Shutdown drains in-flight requests.

import type { KeyObject } from "node:crypto";
import { unwatchFile, watchFile } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { loadBundle } from "../bundle/load.ts";
import { createMeterStore, type MeterStore } from "../meter/index.ts";
import { startAdminServer } from "../observe/admin-server.ts";
import { dashboardMatrix } from "../observe/dashboard-matrix.ts";
import { DecisionLog, type DecisionLogOptions, type LogSink } from "../observe/decision-log.ts";
import type { DecisionRecord } from "../observe/decision-record.ts";
import { LiveFeed } from "../observe/live-feed.ts";
import { gateOnLog } from "../observe/log-gate.ts";
import { GatewayMetrics } from "../observe/metrics.ts";
import type { SecretContext } from "../secrets/resolve.ts";
import { loadShadowBundle, ShadowDecisions } from "../shadow/index.ts";
import { Gateway } from "./gateway.ts";
import { InflightTracker } from "./inflight.ts";
import {
  buildPolicyState,
  type PolicyState,
  type StateSettings,
  type UpstreamTimeouts,
} from "./policy-state.ts";
import { PROBLEMS, problemBody } from "./problems.ts";
import { newRequestId } from "./request-id.ts";

export interface ServeOptions {
  readonly bundleDir: string;
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  /** null: no admin port. */
  readonly adminPort: number | null;
  readonly verifyKey?: KeyObject;
  readonly watch: boolean;
  readonly log: LogSink;
  /** Buffer size, back-pressure (drop or block) and close deadline of the decision log. */
  readonly logOptions?: DecisionLogOptions;
  /** A candidate bundle that decides beside the enforced one and is never enforced. */
  readonly shadowBundleDir?: string;
  readonly hideRules: boolean;
  readonly filterLimit: number;
  readonly upstream: UpstreamTimeouts;
  /** Slow clients: time to send headers, and the whole request. */
  readonly clientHeadersMs: number;
  readonly clientRequestMs: number;
  readonly maxHeaderBytes: number;
  readonly secrets: SecretContext;
  readonly drainMs: number;
  readonly jwksCooldownMs: number;
  /** `redis://…` for a shared store; undefined for the embedded one in `meterStateDir`. */
  readonly meterStore?: string;
  readonly meterStateDir: string;
  readonly meterFailOpen: boolean;
  /** In a cluster worker: hands each decision record to the primary's dashboard feed. */
  readonly forwardDecision?: (record: DecisionRecord) => void;
  /** A store made elsewhere (a cluster worker's channel to the primary's store). */
  readonly meterStoreInstance?: MeterStore;
  /** Reload outcomes, for the CLI to print. */
  readonly onReload?: (result: { ok: boolean; revision?: string; error?: string }) => void;
}

export interface RunningGateway {
  readonly port: number;
  readonly adminPort: number | null;
  readonly revision: string;
  /** The shadow bundle's revision, with --shadow-bundle. */
  readonly shadowRevision?: string;
  reload(): Promise<boolean>;
  close(): Promise<void>;
  /** This process's metrics as prom-client JSON, for a cluster primary to aggregate. */
  metricsJson(): Promise<unknown>;
}

export async function startGateway(options: ServeOptions): Promise<RunningGateway> {
  const metrics = new GatewayMetrics();
  // Shutdown gives the log's sink as long as it gives in-flight requests.
  const log = new DecisionLog(options.log, { closeTimeoutMs: options.drainMs, ...options.logOptions });
  metrics.watchLog(log);
  const shadow = options.shadowBundleDir ? new ShadowDecisions(metrics.registry) : null;
  const feed = options.adminPort === null ? null : new LiveFeed(metrics.registry);
  const forward = options.forwardDecision;
  const published = feed ?? (forward ? { publish: forward } : null);
  const meterStore =
    options.meterStoreInstance ??
    (await createMeterStore({ url: options.meterStore, stateDir: options.meterStateDir }));
  const settings: StateSettings = {
    jwksCooldownMs: options.jwksCooldownMs,
    meterStore,
    meterFailOpen: options.meterFailOpen,
  };
  let initial: PolicyState;
  try {
    initial = await loadState(options, settings, shadow);
  } catch (error) {
    await meterStore.close();
    throw error;
  }
  metrics.setBundleInfo(initial.bundle.manifest.revision, initial.bundle.manifest.compiler.version);
  const inflight = new InflightTracker();
  const gateway = new Gateway(
    initial,
    { log, metrics, shadow, feed: published, inflight },
    { hideRules: options.hideRules, filterLimit: options.filterLimit },
  );
  let ready = true;

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes,
      requireHostHeader: true,
      keepAliveTimeout: 5_000,
      // Node checks the client timeouts on this interval (default 30 s): check often enough
      // that a slow client is cut close to its limit.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, options.clientHeadersMs / 4)),
    },
    // The gateway counts each request in `inflight` from arrival until its response closes.
    gateOnLog(log, metrics, gateway.handle),
  );
  server.headersTimeout = options.clientHeadersMs;
  server.requestTimeout = options.clientRequestMs;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(error, socket),
  );
  await listen(server, options.port, options.host);

  feed?.setSnapshotSource(() => ({
    revision: gateway.policy.bundle.manifest.revision,
    matrix: dashboardMatrix(gateway.policy.bundle),
  }));
  const admin =
    options.adminPort === null
      ? null
      : await startAdminServer({
          host: options.adminHost,
          port: options.adminPort,
          metrics,
          manifest: () => gateway.policy.bundle.manifest,
          ready: () => ready,
          feed: feed ?? undefined,
        });

  let reloading: Promise<boolean> | null = null;
  const reload = (): Promise<boolean> => {
    reloading ??= (async () => {
      try {
        const next = await loadState(options, settings, shadow);
        const previous = gateway.swap(next);
        feed?.reloaded();
        metrics.reload(true);
        metrics.setBundleInfo(next.bundle.manifest.revision, next.bundle.manifest.compiler.version);
        options.onReload?.({ ok: true, revision: next.bundle.manifest.revision });
        inflight.whenIdle(previous).then(() => previous.close());
        return true;
      } catch (error) {
        metrics.reload(false);
        options.onReload?.({ ok: false, error: describe(error) });
        return false;
      } finally {
        reloading = null;
      }
    })();
    return reloading;
  };

  const manifestPath = join(options.bundleDir, "manifest.json");
  if (options.watch) {
    watchFile(manifestPath, { interval: 500 }, (current, previous) => {
      if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino) void reload();
    });
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      if (options.watch) unwatchFile(manifestPath);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([inflight.whenAllIdle(), delay(options.drainMs)]);
      server.closeAllConnections();
      await stopped;
      await gateway.policy.close();
      await meterStore.close();
      feed?.close();
      await admin?.close();
      await log.close();
    })();
    return closing;
  };

  return {
    port: (server.address() as AddressInfo).port,
    adminPort: admin?.port ?? null,
    revision: initial.bundle.manifest.revision,
    shadowRevision: shadow?.revision,
    reload,
    close,
    metricsJson: () => metrics.registry.getMetricsAsJSON(),
  };
}

async function loadState(
  options: ServeOptions,
  settings: StateSettings,
  shadow: ShadowDecisions | null,
): Promise<PolicyState> {
  // The shadow bundle first: it holds no resources, so a refused one leaves nothing to close.
  const candidate = options.shadowBundleDir
    ? await loadShadowBundle(options.shadowBundleDir, options.verifyKey)
    : null;
  const bundle = await loadBundle(options.bundleDir, { verifyKey: options.verifyKey });
  const state = await buildPolicyState(bundle, options.secrets, options.upstream, settings);
  if (candidate !== null) shadow?.attach(state, candidate);
  return state;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Malformed HTTP, oversized headers and slow clients get a problem response too. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (error.code === "ECONNRESET" && !socket.bytesWritten)) {
    socket.destroy();
    return;
  }
  const timeout = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const code = timeout ? "request-timeout" : "non-canonical-request";
  const status = tooLarge ? 431 : PROBLEMS[code].status;
  const reason = timeout ? "Request Timeout" : tooLarge ? "Request Header Fields Too Large" : "Bad Request";
  const requestId = newRequestId();
  const body = problemBody(code, requestId, {
    detail: tooLarge ? "request headers too large" : "malformed request",
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nx-rrc-code: ${code}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function describe(error: unknown): string {
  if (error && typeof error === "object" && "code" in error) {
    return `[${String((error as { code: unknown }).code)}] ${String((error as { message?: unknown }).message)}`;
  }
  return error instanceof Error ? error.message : String(error);
}
