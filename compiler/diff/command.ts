// `rrc diff <old> <new> [--format markdown|json] [--exit-code]`.
import { renderDiagnostics } from "../diagnostics/render.ts";
import { renderMarkdown } from "./render-markdown.ts";
import { diffSides } from "./report.ts";
import { DiffInputError, loadSides } from "./sides.ts";

export interface DiffOptions {
  readonly format: string | undefined;
  readonly exitCode: boolean;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Exit code: 0, or 1 when `--exit-code` is given and access may widen, or a side cannot be read. */
export async function runDiff(paths: readonly string[], options: DiffOptions): Promise<number> {
  const format = options.format === undefined || options.format === "pretty" ? "markdown" : options.format;
  if (format !== "markdown" && format !== "json") {
    options.stderr.write("rrc: --format must be markdown or json\n");
    return 1;
  }
  if (paths.length !== 2) {
    options.stderr.write("rrc: `rrc diff` takes two policies or bundles: <old> <new>\n");
    return 1;
  }
  let report: ReturnType<typeof diffSides>;
  try {
    const [old, next] = await loadSides(paths[0]!, paths[1]!, options.cwd);
    report = diffSides(old, next);
  } catch (error) {
    if (!(error instanceof DiffInputError)) throw error;
    if (error.diagnostics.length > 0) options.stderr.write(renderDiagnostics(error.diagnostics, "pretty"));
    options.stderr.write(`rrc: ${error.message}\n`);
    return 1;
  }
  options.stdout.write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report));
  return options.exitCode && report.widens ? 1 : 0;
}
