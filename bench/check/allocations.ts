// Approximate bytes allocated per decision, and per gateway exchange: the V8 heap's growth
// (heapUsed) over 20,000 decisions (2,000 exchanges) with no garbage collection in between.
// Needs --expose-gc and a new space large enough to hold the whole run (--min-semi-space-size and --max-semi-space-size, in MB;
// without the max, V8 caps the new space at 16 MB, a scavenge runs mid-loop and the figure
// comes out 4× too low). A run during which V8 reports a GC (a PerformanceObserver "gc"
// entry that starts inside the loop) is repeated, then given up (NaN fails the gate).
import { PerformanceObserver, performance } from "node:perf_hooks";
import type { Decider } from "../../runtime/decision/engine.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import { type Exchange, runExchanges } from "../gateway-harness.ts";

declare const gc: (() => void) | undefined;

const DECISIONS = 20_000;

/** One function for warm-up and measurement, so the measured loop is already optimised. */
function decideMany(decider: Decider, requests: readonly DecisionRequest[], decisions: number): void {
  const count = requests.length;
  for (let n = 0; n < decisions; n++) decider.decide(requests[n % count]!);
}

export function bytesPerDecision(decider: Decider, requests: readonly DecisionRequest[]): Promise<number> {
  for (let round = 0; round < 3; round++) decideMany(decider, requests, DECISIONS);
  return heapGrowthPer(DECISIONS, async () => decideMany(decider, requests, DECISIONS));
}

/** Gateway exchanges (bench/gateway-harness.ts): fewer than decisions, as each allocates ~10–20 KB. */
const EXCHANGES = 2_000;

export async function bytesPerExchange(run: Exchange): Promise<number> {
  for (let round = 0; round < 5; round++) await runExchanges(run, EXCHANGES, 32);
  return heapGrowthPer(EXCHANGES, () => runExchanges(run, EXCHANGES, 32));
}

async function heapGrowthPer(operations: number, work: () => Promise<unknown>): Promise<number> {
  if (typeof gc !== "function") throw new Error("allocation measures need node --expose-gc");
  const starts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) starts.push(entry.startTime);
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      gc();
      const from = performance.now();
      const before = process.memoryUsage().heapUsed;
      await work();
      const bytes = process.memoryUsage().heapUsed - before;
      const to = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 20)); // gc entries arrive asynchronously
      if (!starts.some((start) => start >= from && start <= to)) return bytes / operations;
    }
    return Number.NaN;
  } finally {
    observer.disconnect();
  }
}
