// Committed thresholds (bench/check/thresholds.json) and the table the gate prints.
import { readFileSync } from "node:fs";

export interface Threshold {
  readonly id: string;
  readonly unit: string;
  /** The measure fails above `max` or below `min`. */
  readonly max?: number;
  readonly min?: number;
  readonly why: string;
}

export interface Verdict {
  readonly threshold: Threshold;
  readonly value: number;
  readonly ok: boolean;
  /** Well inside its threshold: the threshold could be tightened. */
  readonly slack: boolean;
}

export function loadThresholds(file: string): Map<string, Threshold> {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { thresholds: Threshold[] };
  return new Map(parsed.thresholds.map((threshold) => [threshold.id, threshold]));
}

export function judge(thresholds: Map<string, Threshold>, id: string, value: number): Verdict {
  const threshold = thresholds.get(id);
  if (!threshold) throw new Error(`no threshold for \`${id}\` in bench/check/thresholds.json`);
  const ok =
    Number.isFinite(value) &&
    (threshold.max === undefined || value <= threshold.max) &&
    (threshold.min === undefined || value >= threshold.min);
  const slack =
    ok &&
    ((threshold.max !== undefined && value < threshold.max * 0.8) ||
      (threshold.min !== undefined && value > threshold.min * 1.25));
  return { threshold, value, ok, slack };
}

export function renderTable(verdicts: readonly Verdict[]): string {
  const format = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
  const lines = ["measure                                        value        threshold         result"];
  for (const { threshold, value, ok, slack } of verdicts) {
    const bound =
      threshold.max !== undefined ? `≤ ${format(threshold.max)}` : `≥ ${format(threshold.min ?? Number.NaN)}`;
    const result = ok ? (slack ? "ok (slack: could tighten)" : "ok") : "FAILED";
    lines.push(
      `${threshold.id.padEnd(44)} ${`${format(value)} ${threshold.unit}`.padStart(14)}   ${`${bound} ${threshold.unit}`.padEnd(16)}  ${result}`,
    );
  }
  return lines.join("\n");
}
