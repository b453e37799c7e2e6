// `rrc test <policies|bundle> [test files or dirs...]`: runs policy test cases against the
// built policy and reports them with rule coverage. Exit 1 on any failed case, a
// coverage below --min-coverage, or an unusable test file or policy.
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { UsageError } from "../cli/usage-error.ts";
import { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import { renderDiagnostics } from "../diagnostics/render.ts";
import type { Span } from "../ir/index.ts";
import { findTestFiles, readTestFile, TEST_FILE_SUFFIXES } from "./files.ts";
import { loadPolicyInput } from "./policy-input.ts";
import { renderJson } from "./render-json.ts";
import { renderJunit } from "./render-junit.ts";
import { type Locator, renderText } from "./render-text.ts";
import { reportPasses, runTests } from "./run.ts";
import type { TestFile } from "./types.ts";

export interface TestCommandOptions {
  readonly format?: string;
  readonly minCoverage?: string;
  /** `--bundle <dir>`: then every positional is a test path. */
  readonly bundle?: string;
}

const RENDERERS = { pretty: renderText, json: renderJson, junit: renderJunit } as const;

export async function runTestCommand(
  positionals: readonly string[],
  options: TestCommandOptions,
): Promise<number> {
  const format = options.format ?? "pretty";
  if (!Object.hasOwn(RENDERERS, format)) throw new UsageError("--format must be pretty, json or junit");
  const render = RENDERERS[format as keyof typeof RENDERERS];
  const minCoverage = parseMinCoverage(options.minCoverage);
  const [policyPath, ...testPaths] = options.bundle ? [options.bundle, ...positionals] : positionals;
  if (!policyPath) throw new UsageError("`rrc test` needs a policy path or a bundle directory");
  const cwd = process.cwd();

  const diagnostics = new DiagnosticBag();
  const files = readTests(policyPath, testPaths, cwd, diagnostics);
  if (diagnostics.errorCount > 0) {
    process.stderr.write(renderDiagnostics(diagnostics.sorted(), "pretty", diagnostics.dropped));
    return 1;
  }
  const loaded = await loadPolicyInput(policyPath, cwd);
  if (!loaded.ok) {
    process.stderr.write(renderDiagnostics(loaded.diagnostics, "pretty", loaded.dropped));
    return 1;
  }
  const { module, decider, sourceRoot } = loaded.input;
  const report = runTests({ decider, flat: module.policy.flat, files, minCoverage });
  process.stdout.write(render(report, ruleLocator(sourceRoot, cwd)));
  return reportPasses(report) ? 0 : 1;
}

function readTests(
  policyPath: string,
  testPaths: readonly string[],
  cwd: string,
  bag: DiagnosticBag,
): TestFile[] {
  let paths = testPaths;
  if (paths.length === 0) {
    const absolute = resolve(cwd, policyPath);
    const base = existsSync(absolute) && !statSync(absolute).isDirectory() ? dirname(absolute) : absolute;
    const tests = join(base, "tests");
    if (!existsSync(tests)) {
      throw new UsageError(`no test paths given and \`${relative(cwd, tests) || tests}\` does not exist`);
    }
    paths = [tests];
  }
  const found = findTestFiles(paths, cwd, bag);
  if (found.length === 0 && bag.errorCount === 0) {
    throw new UsageError(`no test files (${TEST_FILE_SUFFIXES.map((s) => `*${s}`).join(", ")}) found`);
  }
  return found.flatMap((file) => readTestFile(file, cwd, bag) ?? []);
}

function parseMinCoverage(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.endsWith("%") ? value.slice(0, -1) : value;
  const percent = Number(text);
  if (text.trim() === "" || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new UsageError("--min-coverage must be a percentage from 0 to 100");
  }
  return percent;
}

/** Rule spans are relative to the policy root; shown from the working directory when known. */
function ruleLocator(sourceRoot: string | null, cwd: string): Locator {
  return (span: Span) => {
    const file = sourceRoot ? relative(cwd, join(sourceRoot, span.file)) || span.file : span.file;
    return `${file}:${span.line}:${span.column}`;
  };
}
