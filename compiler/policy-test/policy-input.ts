// What `rrc test` and `rrc matrix` run against: policies compiled in memory, or a bundle
// directory (recognised by its manifest.json) loaded with digest verification.
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  type DecisionModule,
  importBundle,
  instantiateModule,
  loadBundle,
} from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import { MANIFEST_FILE } from "../artifact/index.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import { compile } from "../pipeline.ts";

export interface PolicyInput {
  readonly kind: "policies" | "bundle";
  /** The decision module, with the policy document and flattened IR that travel beside it. */
  readonly module: DecisionModule;
  readonly decider: Decider;
  /** The directory rule spans are relative to; null for a bundle (built elsewhere). */
  readonly sourceRoot: string | null;
}

export type PolicyInputResult =
  | { readonly ok: true; readonly input: PolicyInput }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly dropped: number };

export function isBundleDirectory(path: string): boolean {
  return existsSync(join(path, MANIFEST_FILE)) && statSync(path).isDirectory();
}

export async function loadPolicyInput(path: string, cwd: string): Promise<PolicyInputResult> {
  const absolute = resolve(cwd, path);
  if (isBundleDirectory(absolute)) {
    const loaded = await loadBundle(absolute);
    return {
      ok: true,
      input: { kind: "bundle", module: loaded.module, decider: loaded.decider, sourceRoot: null },
    };
  }
  const result = await compile({ paths: [path], cwd, until: "artifact" });
  if (!result.ok || !result.bundle) {
    return { ok: false, diagnostics: result.diagnostics, dropped: result.droppedDiagnostics };
  }
  const module = await importBundle(result.bundle);
  const sourceRoot = existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : dirname(absolute);
  return { ok: true, input: { kind: "policies", module, decider: instantiateModule(module), sourceRoot } };
}
