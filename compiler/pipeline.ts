// The compiler as a table of passes. Each pass is a function of its input and the shared
// context; the pipeline stops after the first pass that reports an error.

import type { Tables } from "../runtime/decision/tables.ts";
import { type Analysis, prunedPolicy, runAnalyze } from "./analyze/index.ts";
import { type ErrorOn, isRelevelled, relevel } from "./analyze/relevel.ts";
import { type BundleFiles, runArtifact, sourceRevision } from "./artifact/index.ts";
import type { PolicyDocument } from "./authoring/types.ts";
import { runBundle } from "./bundle/index.ts";
import { CompilerAssertion, type Diagnostic, DiagnosticBag } from "./diagnostics/diagnostic.ts";
import { MODULE_FORMAT, runEmit } from "./emit/index.ts";
import { runFlatten } from "./flatten/index.ts";
import type { FlatPolicy } from "./ir/index.ts";
import { type LoadedSources, runLoad } from "./load/index.ts";
import { packageVersion } from "./package-root.ts";
import { runValidate } from "./validate/index.ts";
import type { ValidatedPolicy } from "./validate/located.ts";

export interface CompileOptions {
  readonly paths: readonly string[];
  readonly cwd: string;
  /** `check` stops after analysis; `build` goes on to the bundle files. */
  readonly until: "flatten" | "analyze" | "artifact";
  /** Warnings to report as errors (`--error-on`). */
  readonly errorOn?: ErrorOn;
}

export interface CompileResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly droppedDiagnostics: number;
  readonly flat: FlatPolicy | null;
  readonly document: PolicyDocument | null;
  readonly bundle: BundleFiles | null;
  readonly timings: readonly { readonly pass: string; readonly ms: number }[];
}

interface State {
  loaded?: LoadedSources;
  validated?: ValidatedPolicy;
  flat?: FlatPolicy;
  /** The flat policy with spans as loaded (for diagnostics); `flat` has portable ones. */
  localFlat?: FlatPolicy;
  analysis?: Analysis;
  document?: PolicyDocument;
  moduleSource?: string;
  tables?: Tables;
  regexSets?: number;
  moduleCode?: string;
  bundle?: BundleFiles;
}

interface Pass {
  readonly name: string;
  run(state: State, options: CompileOptions, diagnostics: DiagnosticBag): Promise<void> | void;
}

export const PASSES: readonly Pass[] = [
  {
    name: "load",
    run: async (state, options, diagnostics) => {
      state.loaded = await runLoad({ paths: options.paths, cwd: options.cwd }, diagnostics);
    },
  },
  {
    name: "validate",
    run: (state, _options, diagnostics) => {
      state.validated = runValidate(state.loaded!, diagnostics);
    },
  },
  {
    name: "flatten",
    run: (state, _options, diagnostics) => {
      state.localFlat = runFlatten(state.validated!, diagnostics);
      state.flat = portableSpans(state.localFlat, state.loaded!);
      state.document = mergedDocument(state.validated!);
    },
  },
  {
    name: "analyze",
    run: (state, _options, diagnostics) => {
      state.analysis = runAnalyze(state.localFlat!, diagnostics);
    },
  },
  {
    name: "emit",
    run: (state) => {
      const emitted = runEmit({
        flat: state.flat!,
        tables: prunedPolicy(state.flat!, state.analysis!.pruned),
        revision: sourceRevision(state.loaded!.files),
      });
      state.moduleSource = emitted.source;
      state.tables = emitted.tables;
      state.regexSets = emitted.regexSets;
    },
  },
  {
    name: "bundle",
    run: async (state) => {
      state.moduleCode = await runBundle(state.moduleSource!);
    },
  },
  {
    name: "artifact",
    run: (state) => {
      const rulesIn = state.flat!.scopes.reduce((count, scope) => count + scope.rules.length, 0);
      state.bundle = runArtifact({
        moduleCode: state.moduleCode!,
        tables: state.tables!,
        document: state.document!,
        flat: state.flat!,
        revision: sourceRevision(state.loaded!.files),
        compilerVersion: packageVersion(),
        moduleFormat: MODULE_FORMAT,
        stats: { rulesIn, rulesPruned: state.analysis!.pruned.length, regexSets: state.regexSets! },
        pruned: state.analysis!.pruned,
      });
    },
  },
];

export async function compile(options: CompileOptions): Promise<CompileResult> {
  const diagnostics = new DiagnosticBag();
  const state: State = {};
  const timings: { pass: string; ms: number }[] = [];
  const last = PASSES.findIndex((pass) => pass.name === options.until);
  for (const pass of PASSES.slice(0, last + 1)) {
    const started = performance.now();
    try {
      await pass.run(state, options, diagnostics);
    } catch (error) {
      if (!(error instanceof CompilerAssertion)) throw error;
      diagnostics.report("RRC9001", {
        message: `internal compiler error in ${pass.name}: ${error.message}`,
        span: null,
      });
    }
    timings.push({ pass: pass.name, ms: performance.now() - started });
    if (diagnostics.errorCount > 0) break;
    if (diagnostics.items.some((item) => isRelevelled(item, options.errorOn))) break;
  }
  const reported = relevel(diagnostics.sorted(), options.errorOn);
  // A dropped warning might have been one the user re-levelled: then fail rather than guess.
  const ok =
    diagnostics.errorCount === 0 &&
    reported.every((item) => item.severity !== "error") &&
    (options.errorOn === undefined || diagnostics.dropped === 0);
  return {
    ok,
    diagnostics: reported,
    droppedDiagnostics: diagnostics.dropped,
    flat: ok ? (state.flat ?? null) : null,
    document: ok ? (state.document ?? null) : null,
    bundle: ok ? (state.bundle ?? null) : null,
    timings,
  };
}

function mergedDocument(policy: ValidatedPolicy): PolicyDocument {
  return {
    targets: policy.targets.map((entity) => entity.value),
    targetCredentials: policy.targetCredentials.map((entity) => entity.value),
    proxyCredentials: policy.proxyCredentials.map((entity) => entity.value),
    proxies: policy.proxies.map((entity) => entity.value),
  };
}

/** Spans in the bundle name files relative to the policy root, so builds do not depend
 * on the directory they ran from. */
function portableSpans(flat: FlatPolicy, loaded: LoadedSources): FlatPolicy {
  const relative = new Map(loaded.files.map((file) => [file.path, file.relativePath]));
  return JSON.parse(
    JSON.stringify(flat, (key, value) =>
      key === "file" && typeof value === "string" ? (relative.get(value) ?? value) : value,
    ),
  );
}
