// rrc's two engines for one policy document: the emitted decision module (built by the
// real pipeline, imported from memory as `rrc serve` does) and the reference interpreter.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { createInterpreter } from "../../compiler/interpret/index.ts";
import { type CompileResult, compile } from "../../compiler/pipeline.ts";
import { type DecisionModule, importBundle, instantiateModule } from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";

export interface RrcEngines {
  readonly module: DecisionModule;
  readonly decider: Decider;
  readonly interpreter: Decider;
  readonly bundle: NonNullable<CompileResult["bundle"]>;
  /** The decision module's bytes, as written to the bundle. */
  readonly codeBytes: number;
  readonly buildMs: number;
}

/** Writes `document` as `<name>.json` in `workspace` and compiles it in process. */
export async function buildEngines(
  document: PolicyDocument,
  workspace: string,
  name: string,
): Promise<RrcEngines> {
  const file = join(workspace, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  const started = performance.now();
  const result = await compile({ paths: [file], cwd: workspace, until: "artifact" });
  const buildMs = performance.now() - started;
  if (!result.ok || !result.bundle || !result.flat) {
    const first = result.diagnostics[0];
    throw new Error(`benchmark policy ${name} did not build: ${first?.code ?? ""} ${first?.message ?? ""}`);
  }
  const module = await importBundle(result.bundle);
  return {
    module,
    // Every decision pays its RE2 pass, as a first request for a path does: the engine is compared, not
    // the gateway's memory of paths it has seen (runtime/decision/engine.ts, rememberPaths).
    decider: instantiateModule(module, { rememberPaths: false }),
    interpreter: createInterpreter(result.flat),
    bundle: result.bundle,
    codeBytes: result.bundle.manifest.stats.codeBytes,
    buildMs,
  };
}
