// Builds a policy once and exposes the three evaluators every case must agree on: the
// reference interpreter, the emitted module loaded from memory, and the bundle written
// to disk and loaded back through digest verification.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBundle } from "../../compiler/artifact/index.ts";
import { createInterpreter, type Interpreter } from "../../compiler/interpret/index.ts";
import { type CompileResult, compile } from "../../compiler/pipeline.ts";
import { importBundle, instantiateModule, loadBundle } from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import type { Decision, DecisionRequest } from "../../runtime/decision/types.ts";

export interface ThreeWays {
  readonly result: CompileResult;
  readonly interpreter: Interpreter;
  readonly memory: Decider;
  readonly disk: Decider;
  readonly bundleDir: string;
  /** Decides with all three; throws with all three answers when they disagree. */
  decide(request: DecisionRequest): Decision;
  dispose(): void;
}

export async function buildThreeWays(paths: readonly string[], cwd = process.cwd()): Promise<ThreeWays> {
  const result = await compile({ paths, cwd, until: "artifact" });
  if (!result.ok || !result.bundle || !result.flat) {
    const text = result.diagnostics.map((item) => `${item.code} ${item.message}`).join("\n");
    throw new Error(`policy did not build:\n${text}`);
  }
  const interpreter = createInterpreter(result.flat);
  const memory = instantiateModule(await importBundle(result.bundle));
  const root = mkdtempSync(join(tmpdir(), "rrc-three-ways-"));
  const bundleDir = join(root, "bundle");
  writeBundle(bundleDir, result.bundle);
  const disk = (await loadBundle(bundleDir)).decider;
  return {
    result,
    interpreter,
    memory,
    disk,
    bundleDir,
    decide(request) {
      const answers = [interpreter.decide(request), memory.decide(request), disk.decide(request)].map(plain);
      const [reference, ...others] = answers.map((answer) => JSON.stringify(answer));
      if (others.some((other) => other !== reference)) {
        throw new Error(
          `evaluators disagree on ${JSON.stringify(request)}:\n  interpreter ${reference}\n  memory      ${others[0]}\n  disk        ${others[1]}`,
        );
      }
      return answers[0]!;
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function plain(decision: Decision): Decision {
  const { verdict, status, code, scope, rule } = decision;
  return { verdict, status, code, scope, rule };
}
