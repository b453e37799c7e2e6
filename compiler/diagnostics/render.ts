// Rendering diagnostics for people (caret excerpts), machines (JSON) and GitHub Actions
// (workflow annotations).
import { readFileSync } from "node:fs";
import type { Diagnostic } from "./diagnostic.ts";

export type DiagnosticFormat = "pretty" | "json" | "github";

export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat,
  dropped = 0,
): string {
  if (format === "json") {
    const errors = diagnostics.filter((item) => item.severity === "error").length;
    return `${JSON.stringify({ errors, warnings: diagnostics.length - errors, dropped, diagnostics }, null, 2)}\n`;
  }
  if (format === "github") return diagnostics.map(githubAnnotation).join("");
  const excerpts = new ExcerptSource();
  const text = diagnostics.map((item) => pretty(item, excerpts)).join("\n");
  return dropped > 0 ? `${text}\n… and ${dropped} more errors not shown\n` : text;
}

function pretty(item: Diagnostic, excerpts: ExcerptSource): string {
  const out = [`${item.severity}[${item.code}]: ${item.message}`];
  if (item.span) {
    const { file, line, column, length } = item.span;
    out.push(`  --> ${file}:${line}:${column}`);
    const sourceLine = excerpts.line(file, line);
    if (sourceLine !== null) {
      const gutter = String(line).length;
      const pad = " ".repeat(gutter);
      const width = Math.max(1, Math.min(length, sourceLine.length - column + 1));
      out.push(
        `${pad} |`,
        `${line} | ${sourceLine}`,
        `${pad} | ${" ".repeat(column - 1)}${"^".repeat(width)}`,
      );
    }
  }
  for (const note of item.notes ?? []) {
    const where = note.span ? ` (${note.span.file}:${note.span.line}:${note.span.column})` : "";
    out.push(`   = note: ${note.message}${where}`);
  }
  if (item.help) out.push(`   = help: ${item.help}`);
  return `${out.join("\n")}\n`;
}

class ExcerptSource {
  private readonly files = new Map<string, string[] | null>();

  line(file: string, line: number): string | null {
    if (!this.files.has(file)) {
      try {
        this.files.set(file, readFileSync(file, "utf8").split(/\r?\n/));
      } catch {
        this.files.set(file, null);
      }
    }
    return this.files.get(file)?.[line - 1] ?? null;
  }
}

/** https://docs.github.com/actions/reference/workflow-commands-for-github-actions */
function githubAnnotation(item: Diagnostic): string {
  const level = item.severity === "error" ? "error" : "warning";
  const where = item.span
    ? `file=${escapeProperty(item.span.file)},line=${item.span.line},col=${item.span.column},`
    : "";
  const message = item.help ? `${item.message} (${item.help})` : item.message;
  return `::${level} ${where}title=${item.code}::${escapeData(message)}\n`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
