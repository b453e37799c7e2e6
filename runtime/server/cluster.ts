// `rrc serve --workers N`: N worker processes share the listening socket (node:cluster),
// so every core serves. The primary owns what must be single: the embedded meter store
// (workers reach it over IPC, so counts stay exact across workers), the admin port (with
// metrics aggregated from every worker), reload and shutdown fan-out.
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, Registry } from "prom-client";
import { loadBundle } from "../bundle/load.ts";
import { createMeterStore, type MeterStore } from "../meter/index.ts";
import { answerMeterBatch, type MeterBatch } from "../meter/ipc-store.ts";
import { startAdminServer } from "../observe/admin-server.ts";
import { dashboardMatrix } from "../observe/dashboard-matrix.ts";
import type { DecisionRecord } from "../observe/decision-record.ts";
import { LiveFeed } from "../observe/live-feed.ts";
import type { RunningGateway, ServeOptions } from "./serve.ts";

export type WorkerMessage =
  | { type: "rrc-ready"; port: number; revision: string }
  | { type: "rrc-reloaded"; ok: boolean }
  | { type: "rrc-metrics"; id: number; json: object[] }
  | { type: "rrc-decisions"; records: DecisionRecord[] };

export type PrimaryMessage =
  | { type: "rrc-reload" }
  | { type: "rrc-shutdown" }
  | { type: "rrc-metrics"; id: number };

export async function startCluster(options: ServeOptions, count: number): Promise<RunningGateway> {
  // Verify the bundle before forking, so a refused bundle fails once, with its code.
  let bundle = await loadBundle(options.bundleDir, { verifyKey: options.verifyKey });
  let manifest = bundle.manifest;
  // The dashboard lives on the primary's admin port; workers send it their decisions.
  const feed = options.adminPort === null ? null : new LiveFeed(new Registry());
  feed?.setSnapshotSource(() => ({ revision: bundle.manifest.revision, matrix: dashboardMatrix(bundle) }));
  const store: MeterStore | null = options.meterStore
    ? null
    : await createMeterStore({ url: undefined, stateDir: options.meterStateDir });
  let closing = false;
  const workers = new Set<Worker>();
  let metricsRequest = 0;
  const metricsWaiters = new Map<
    number,
    { pending: number; parts: object[][]; done(parts: object[][]): void }
  >();

  const fork = (): Promise<{ port: number; revision: string }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      workers.add(worker);
      let ready = false;
      worker.on("message", (message: WorkerMessage | MeterBatch) => {
        if (message.type === "rrc-meter" && store) {
          void answerMeterBatch(store, message).then((reply) => worker.isConnected() && worker.send(reply));
        } else if (message.type === "rrc-decisions") {
          for (const record of message.records) feed?.publish(record);
        } else if (message.type === "rrc-ready") {
          ready = true;
          resolve({ port: message.port, revision: message.revision });
        } else if (message.type === "rrc-metrics") {
          const waiter = metricsWaiters.get(message.id);
          if (!waiter) return;
          waiter.parts.push(message.json);
          if (--waiter.pending === 0) waiter.done(waiter.parts);
        }
      });
      worker.on("exit", (code) => {
        workers.delete(worker);
        if (!ready) {
          reject(
            Object.assign(new Error(`a worker stopped before it was ready (exit code ${code})`), {
              code: "worker-start-failed",
            }),
          );
          return;
        }
        if (!closing) {
          options.onReload?.({
            ok: false,
            error: `worker ${worker.id} exited (${code}); starting a new one`,
          });
          void fork().catch(() => undefined);
        }
      });
    });

  let first: { port: number; revision: string };
  try {
    first = await fork();
    const rest = await Promise.all(Array.from({ length: count - 1 }, fork));
    if (rest.some((worker) => worker.port !== first.port)) throw new Error("workers bound different ports");
  } catch (error) {
    closing = true;
    for (const worker of workers) worker.kill();
    await store?.close();
    throw error;
  }

  const broadcast = (message: PrimaryMessage) => {
    for (const worker of workers) if (worker.isConnected()) worker.send(message);
  };
  const aggregated = {
    registry: { contentType: Registry.PROMETHEUS_CONTENT_TYPE },
    metrics: () =>
      new Promise<string>((resolve) => {
        const id = ++metricsRequest;
        const timer = setTimeout(() => finish([]), 2_000);
        const finish = (parts: object[][]) => {
          clearTimeout(timer);
          metricsWaiters.delete(id);
          resolve(AggregatorRegistry.aggregate(parts).metrics());
        };
        metricsWaiters.set(id, { pending: workers.size, parts: [], done: finish });
        broadcast({ type: "rrc-metrics", id });
      }),
  };
  const admin =
    options.adminPort === null
      ? null
      : await startAdminServer({
          host: options.adminHost,
          port: options.adminPort,
          metrics: aggregated as never,
          manifest: () => manifest,
          ready: () => !closing,
          feed: feed ?? undefined,
        });

  const reload = (): Promise<boolean> =>
    new Promise((resolve) => {
      const targets = [...workers];
      let pending = targets.length;
      let allOk = true;
      for (const worker of targets) {
        const onMessage = (message: WorkerMessage) => {
          if (message.type !== "rrc-reloaded") return;
          worker.off("message", onMessage);
          allOk &&= message.ok;
          if (--pending === 0) {
            void loadBundle(options.bundleDir, { verifyKey: options.verifyKey })
              .then((loaded) => {
                if (!allOk) return;
                bundle = loaded;
                manifest = loaded.manifest;
                feed?.reloaded();
              })
              .catch(() => undefined)
              .finally(() => resolve(allOk));
          }
        };
        worker.on("message", onMessage);
        worker.send({ type: "rrc-reload" } satisfies PrimaryMessage);
      }
    });

  const close = async () => {
    if (closing) return;
    closing = true;
    const exits = [...workers].map(
      (worker) => new Promise<void>((resolve) => worker.once("exit", () => resolve())),
    );
    broadcast({ type: "rrc-shutdown" });
    const deadline = setTimeout(() => {
      for (const worker of workers) worker.kill("SIGKILL");
    }, options.drainMs + 5_000);
    await Promise.all(exits);
    clearTimeout(deadline);
    feed?.close();
    await admin?.close();
    await store?.close();
  };

  return {
    port: first.port,
    adminPort: admin?.port ?? null,
    revision: first.revision,
    reload,
    close,
    metricsJson: async () => [],
  };
}
