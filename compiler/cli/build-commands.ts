// `rrc check` and `rrc build`.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ErrorOn } from "../analyze/relevel.ts";
import { signBundle, writeBundle } from "../artifact/index.ts";
import { type DiagnosticFormat, renderDiagnostics } from "../diagnostics/render.ts";
import { compile } from "../pipeline.ts";
import { UsageError } from "./usage-error.ts";

const FORMATS = new Set(["pretty", "json", "github"]);

function checkFormat(format: string | undefined): DiagnosticFormat {
  if (!format || !FORMATS.has(format)) throw new UsageError(`--format must be pretty, json or github`);
  return format as DiagnosticFormat;
}

function requirePaths(paths: readonly string[]): void {
  if (paths.length === 0) throw new UsageError("give at least one policy file or directory");
}

export async function runCheck(
  paths: readonly string[],
  format: string | undefined,
  errorOn?: ErrorOn,
): Promise<number> {
  const chosen = checkFormat(format);
  requirePaths(paths);
  const result = await compile({ paths, cwd: process.cwd(), until: "analyze", errorOn });
  process.stdout.write(renderDiagnostics(result.diagnostics, chosen, result.droppedDiagnostics));
  if (chosen === "pretty" && result.ok) {
    const rules = result.flat!.scopes.reduce((count, scope) => count + scope.rules.length, 0);
    process.stdout.write(`ok: ${result.flat!.proxies.length} proxies, ${rules} rules\n`);
  }
  return result.ok ? 0 : 1;
}

export async function runBuild(
  paths: readonly string[],
  out: string | undefined,
  format: string | undefined,
  signKey?: string,
  errorOn?: ErrorOn,
): Promise<number> {
  const chosen = checkFormat(format);
  requirePaths(paths);
  if (!out) throw new UsageError("`rrc build` needs --out <dir>");
  const result = await compile({ paths, cwd: process.cwd(), until: "artifact", errorOn });
  process.stdout.write(renderDiagnostics(result.diagnostics, chosen, result.droppedDiagnostics));
  if (!result.ok || !result.bundle) return 1;
  let bundle = result.bundle;
  if (signKey) {
    let pem: string;
    try {
      pem = readFileSync(signKey, "utf8");
    } catch {
      throw new UsageError(`cannot read the signing key \`${signKey}\``);
    }
    try {
      bundle = signBundle(bundle, pem);
    } catch (error) {
      throw new UsageError(`cannot sign: ${(error as Error).message}`);
    }
  }
  writeBundle(resolve(out), bundle);
  const { stats, revision } = bundle.manifest;
  if (chosen === "pretty") {
    let bytes = 0;
    for (const text of bundle.files.values()) bytes += Buffer.byteLength(text);
    process.stdout.write(
      `built ${out}: ${stats.rulesIn} rules, ${stats.regexSets} regex sets, ${bytes} bytes, revision ${revision}\n`,
    );
  }
  return 0;
}
