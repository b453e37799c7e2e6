// `rrc review --bundle <dir> --logs <files...> [--unused-days N] [--now <time>] [--format markdown|json]`:
// reads decision logs against a verified bundle (SPEC §10). `--now` pins the window's end,
// so a review of old logs (or a test) is reproducible.
import { loadBundle } from "../../runtime/bundle/load.ts";
import { UsageError } from "../cli/usage-error.ts";
import { type ReviewReport, review } from "./findings.ts";
import { readLogs } from "./read-logs.ts";
import { renderMarkdown } from "./render-markdown.ts";
import { TrafficCollector } from "./traffic.ts";

const RENDERERS: Record<string, (report: ReviewReport) => string> = {
  markdown: renderMarkdown,
  pretty: renderMarkdown, // the CLI's shared default format
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
};

export interface ReviewOptions {
  readonly bundle?: string;
  readonly logs?: readonly string[];
  readonly unusedDays?: string;
  readonly now?: string;
  readonly format?: string;
}

/** Log files come after `--logs` (and any further `--logs`). */
export async function runReviewCommand(
  positionals: readonly string[],
  options: ReviewOptions,
): Promise<number> {
  const format = options.format ?? "markdown";
  const render = Object.hasOwn(RENDERERS, format) ? RENDERERS[format] : undefined;
  if (!render) throw new UsageError("--format must be markdown or json");
  if (!options.bundle) throw new UsageError("`rrc review` needs --bundle <dir>");
  const files = [...(options.logs ?? []), ...positionals];
  if (files.length === 0) throw new UsageError("`rrc review` needs --logs <files...>");
  const unusedDays = Number(options.unusedDays ?? 30);
  if (!Number.isFinite(unusedDays) || unusedDays < 0)
    throw new UsageError("--unused-days must be a number of days");
  const now = options.now === undefined ? Date.now() : Date.parse(options.now);
  if (Number.isNaN(now)) throw new UsageError("--now must be an ISO 8601 time");

  const bundle = await loadBundle(options.bundle);
  const { flat, document } = bundle.module.policy;
  const collector = new TrafficCollector(flat);
  let summary: Awaited<ReturnType<typeof readLogs>>;
  try {
    summary = await readLogs(files, (decision) => collector.add(decision));
  } catch (error) {
    throw new UsageError(`cannot read the logs: ${(error as Error).message}`);
  }
  const report = review({
    revision: bundle.manifest.revision,
    flat,
    document,
    summary,
    traffic: collector.finish(),
    unusedDays,
    now,
  });
  process.stdout.write(render(report));
  return 0;
}
