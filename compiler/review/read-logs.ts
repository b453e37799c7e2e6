// Decision log files (JSON lines, `.gz` too: rotated logs are often compressed) read one
// record at a time. Lines that are not decision records are counted and skipped: a review
// of a million lines should not stop at one torn line.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

/** The fields of a decision record the review reads. */
export interface LoggedDecision {
  readonly time: number;
  readonly proxy: string | null;
  readonly credential: string | null;
  readonly method: string;
  readonly path: string;
  readonly verdict: "allow" | "deny";
  readonly code: string;
  readonly scope: string | null;
  readonly rule: string | null;
}

export interface ReadSummary {
  readonly files: readonly string[];
  records: number;
  skipped: number;
  /** Earliest and latest record times (ms), null when there is none. */
  first: number | null;
  last: number | null;
}

export async function readLogs(
  files: readonly string[],
  visit: (decision: LoggedDecision) => void,
): Promise<ReadSummary> {
  const summary: ReadSummary = { files, records: 0, skipped: 0, first: null, last: null };
  for (const file of files) {
    const raw = createReadStream(file);
    const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
    const failed = new Promise<never>((_, reject) => {
      raw.once("error", reject);
      input.once("error", reject);
    });
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    const done = (async () => {
      for await (const line of lines) {
        if (line.trim() === "") continue;
        const decision = parse(line);
        if (decision === null) {
          summary.skipped++;
          continue;
        }
        summary.records++;
        if (summary.first === null || decision.time < summary.first) summary.first = decision.time;
        if (summary.last === null || decision.time > summary.last) summary.last = decision.time;
        visit(decision);
      }
    })();
    await Promise.race([done, failed]);
  }
  return summary;
}

function parse(line: string): LoggedDecision | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  const time = typeof record.time === "string" ? Date.parse(record.time) : Number.NaN;
  if (Number.isNaN(time)) return null;
  if (typeof record.method !== "string" || typeof record.path !== "string") return null;
  if (record.verdict !== "allow" && record.verdict !== "deny") return null;
  if (typeof record.code !== "string") return null;
  return {
    time,
    proxy: nullableString(record.proxy),
    credential: nullableString(record.credential),
    method: record.method,
    path: record.path,
    verdict: record.verdict,
    code: record.code,
    scope: nullableString(record.scope),
    rule: nullableString(record.rule),
  };
}

function nullableString(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
