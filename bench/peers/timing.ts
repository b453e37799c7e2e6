// Times several decision engines in one tinybench run. Each task call makes a batch of
// decisions, cycling through the request mix, sized so that one call takes ~20 µs or more:
// the timer's own cost (tens of ns) then stays out of a ~1 µs decision, and slow engines
// run one decision per call. Results are ns per decision.
import { Bench } from "tinybench";

export interface DecisionTask {
  readonly name: string;
  /** Decides the index-th request of the mix (the caller wraps the index). */
  decideAt(index: number): unknown;
}

export interface Timing {
  /** Mean ns per decision. */
  readonly ns: number;
  /** Median ns per decision (over calls): robust to a busy machine's spikes. */
  readonly medianNs: number;
  /** Relative margin of error, in percent (tinybench). */
  readonly rme: number;
  readonly decisions: number;
}

const TARGET_CALL_NS = 20_000;

/** Decisions per call: ~TARGET_CALL_NS worth, from up to 64 trial decisions (≤ ~1 ms). */
function batchSize(task: DecisionTask): number {
  const started = process.hrtime.bigint();
  let elapsed = 0;
  let count = 0;
  while (count < 64 && elapsed < 1e6) {
    task.decideAt(count++);
    elapsed = Number(process.hrtime.bigint() - started);
  }
  const perDecision = elapsed / count;
  return Math.max(1, Math.min(256, Math.ceil(TARGET_CALL_NS / Math.max(perDecision, 1))));
}

export async function timeDecisions(
  tasks: readonly DecisionTask[],
  options: { readonly timeMs: number; readonly iterations: number },
): Promise<Map<string, Timing>> {
  const bench = new Bench({
    time: options.timeMs,
    iterations: options.iterations,
    warmupTime: Math.min(200, options.timeMs),
    warmupIterations: 2,
  });
  const batches = new Map<string, number>();
  for (const task of tasks) {
    const batch = batchSize(task);
    batches.set(task.name, batch);
    let next = 0;
    bench.add(task.name, () => {
      for (let n = 0; n < batch; n++) task.decideAt(next++);
    });
  }
  await bench.run();
  const timings = new Map<string, Timing>();
  for (const task of bench.tasks) {
    const result = task.result as { latency?: { mean: number; p50: number; rme: number } };
    const batch = batches.get(task.name)!;
    const latency = result.latency;
    if (!latency) throw new Error(`benchmark task ${task.name} did not complete`);
    timings.set(task.name, {
      ns: (latency.mean * 1e6) / batch,
      medianNs: (latency.p50 * 1e6) / batch,
      rme: latency.rme,
      decisions: (task.runs ?? 0) * batch,
    });
  }
  return timings;
}
