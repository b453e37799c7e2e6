// The diagnostic record every pass reports through, and the bag that collects them.
import type { Span } from "../ir/index.ts";
import { CATALOGUE, type DiagnosticCode, type Severity } from "./catalogue.ts";

export interface RelatedNote {
  readonly message: string;
  readonly span: Span | null;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span | null;
  readonly notes?: readonly RelatedNote[];
  readonly help?: string;
}

export interface DiagnosticInput {
  readonly message: string;
  readonly span: Span | null;
  readonly notes?: readonly RelatedNote[];
  readonly help?: string;
}

/** Errors past this many are dropped and counted, so a broken generator cannot flood CI. */
export const MAX_DIAGNOSTICS = 200;

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  dropped = 0;
  /** Dropped errors still fail the compile; dropped warnings do not. */
  private droppedErrors = 0;

  report(code: DiagnosticCode, input: DiagnosticInput): void {
    const severity = CATALOGUE[code].severity;
    if (this.items.length >= MAX_DIAGNOSTICS) {
      this.dropped++;
      if (severity === "error") this.droppedErrors++;
      return;
    }
    this.items.push({ code, severity, ...input });
  }

  get errorCount(): number {
    return this.items.filter((item) => item.severity === "error").length + this.droppedErrors;
  }

  /** Sorted by file, position, then code, so output is stable across runs. */
  sorted(): Diagnostic[] {
    return [...this.items].sort(compareDiagnostics);
  }
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fileA = a.span?.file ?? "";
  const fileB = b.span?.file ?? "";
  if (fileA !== fileB) return fileA < fileB ? -1 : 1;
  const offsetA = a.span?.offset ?? -1;
  const offsetB = b.span?.offset ?? -1;
  if (offsetA !== offsetB) return offsetA - offsetB;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/** A compiler bug, not a user error: kept apart from diagnostics (exit code 2). */
export class CompilerAssertion extends Error {
  override readonly name = "CompilerAssertion";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CompilerAssertion(message);
}
