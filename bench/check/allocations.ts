// Approximate bytes allocated per decision: the V8 heap's growth (heapUsed) over 20,000
// decisions with no garbage collection in between. Needs --expose-gc and a new space large
// enough to hold the whole run (--min-semi-space-size and --max-semi-space-size, in MB;
// without the max, V8 caps the new space at 16 MB, a scavenge runs mid-loop and the figure
// comes out 4× too low). A run during which V8 reports a GC (a PerformanceObserver "gc"
// entry that starts inside the loop) is repeated, then given up (NaN fails the gate).
import { PerformanceObserver, performance } from "node:perf_hooks";
import type { Decider } from "../../runtime/decision/engine.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";

declare const gc: (() => void) | undefined;

const DECISIONS = 20_000;

/** One function for warm-up and measurement, so the measured loop is already optimised. */
function decideMany(decider: Decider, requests: readonly DecisionRequest[], decisions: number): void {
  const count = requests.length;
  for (let n = 0; n < decisions; n++) decider.decide(requests[n % count]!);
}

export async function bytesPerDecision(
  decider: Decider,
  requests: readonly DecisionRequest[],
): Promise<number> {
  if (typeof gc !== "function") throw new Error("allocation measures need node --expose-gc");
  for (let round = 0; round < 3; round++) decideMany(decider, requests, DECISIONS);
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
      decideMany(decider, requests, DECISIONS);
      const bytes = process.memoryUsage().heapUsed - before;
      const to = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 20)); // gc entries arrive asynchronously
      if (!starts.some((start) => start >= from && start <= to)) return bytes / DECISIONS;
    }
    return Number.NaN;
  } finally {
    observer.disconnect();
  }
}
