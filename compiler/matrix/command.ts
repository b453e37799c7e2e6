// `rrc matrix <policies|bundle>`: the credential × proxy access table.
import { UsageError } from "../cli/usage-error.ts";
import { renderDiagnostics } from "../diagnostics/render.ts";
import { loadPolicyInput } from "../policy-test/policy-input.ts";
import { type AccessMatrix, buildMatrix } from "./access.ts";
import { entryPhrase, plainText } from "./describe.ts";
import { renderHtml } from "./render-html.ts";
import { renderMarkdown } from "./render-markdown.ts";

const RENDERERS: Record<string, (matrix: AccessMatrix) => string> = {
  markdown: renderMarkdown,
  // The CLI's shared default format.
  pretty: renderMarkdown,
  html: renderHtml,
  json: renderJson,
};

export async function runMatrixCommand(
  positionals: readonly string[],
  options: { readonly format?: string; readonly bundle?: string },
): Promise<number> {
  const format = options.format ?? "markdown";
  if (!Object.hasOwn(RENDERERS, format)) throw new UsageError("--format must be markdown, html or json");
  const render = RENDERERS[format]!;
  const paths = options.bundle ? [options.bundle, ...positionals] : positionals;
  if (paths.length !== 1) throw new UsageError("`rrc matrix` takes one policy path or bundle directory");
  const loaded = await loadPolicyInput(paths[0]!, process.cwd());
  if (!loaded.ok) {
    process.stderr.write(renderDiagnostics(loaded.diagnostics, "pretty", loaded.dropped));
    return 1;
  }
  const { policy } = loaded.input.module;
  process.stdout.write(render(buildMatrix(policy.flat, policy.document)));
  return 0;
}

function renderJson(matrix: AccessMatrix): string {
  const cells = matrix.cells.map((cell) => ({
    ...cell,
    entries: cell.entries.map((entry) => ({ ...entry, text: plainText(entryPhrase(entry)) })),
  }));
  return `${JSON.stringify({ proxies: matrix.proxies, credentials: matrix.credentials, cells }, null, 2)}\n`;
}
