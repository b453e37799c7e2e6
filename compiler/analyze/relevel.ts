// `--error-on`: warnings the user wants treated as errors (STYLE: warnings can be
// re-levelled, errors cannot). Parsed once from the command line, applied to the
// diagnostics a compile produced.
import { CATALOGUE, type DiagnosticCode } from "../diagnostics/catalogue.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";

export type ErrorOn = "all-warnings" | readonly DiagnosticCode[];

/** `RRC5002,RRC5003` or `all-warnings`; throws with a message for anything else. */
export function parseErrorOn(values: readonly string[]): ErrorOn {
  const codes = values
    .flatMap((value) => value.split(","))
    .map((code) => code.trim())
    .filter(Boolean);
  if (codes.includes("all-warnings")) return "all-warnings";
  return codes.map((code) => {
    if (!Object.hasOwn(CATALOGUE, code)) throw new Error(`unknown diagnostic code \`${code}\``);
    if (CATALOGUE[code as DiagnosticCode].severity !== "warning") {
      throw new Error(`\`${code}\` is an error already; only warnings can be re-levelled`);
    }
    return code as DiagnosticCode;
  });
}

export function isRelevelled(diagnostic: Diagnostic, errorOn: ErrorOn | undefined): boolean {
  if (errorOn === undefined || diagnostic.severity !== "warning") return false;
  return errorOn === "all-warnings" || errorOn.includes(diagnostic.code);
}

export function relevel(diagnostics: readonly Diagnostic[], errorOn: ErrorOn | undefined): Diagnostic[] {
  return diagnostics.map((item) => (isRelevelled(item, errorOn) ? { ...item, severity: "error" } : item));
}
