// `rrc eval` and `rrc explain`: one request decided by a bundle (from disk, or built in
// memory from policies). `explain` traces the reference interpreter and checks that the
// emitted module agrees with it.
import { isDeepStrictEqual } from "node:util";
import {
  type DecisionModule,
  importBundle,
  instantiateModule,
  loadBundle,
} from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import { renderDiagnostics } from "../diagnostics/render.ts";
import { createInterpreter } from "../interpret/index.ts";
import { compile } from "../pipeline.ts";
import { renderExplanation } from "./explain-text.ts";
import { readRequest } from "./request-input.ts";
import { UsageError } from "./usage-error.ts";

export async function runDecide(
  command: "eval" | "explain",
  paths: readonly string[],
  bundle: string | undefined,
  requestSource: string | undefined,
): Promise<number> {
  if (!requestSource) throw new UsageError(`\`rrc ${command}\` needs --request <file|->`);
  if (bundle && paths.length > 0) throw new UsageError("give either --bundle or policy paths, not both");
  if (!bundle && paths.length === 0) throw new UsageError("give --bundle <dir> or policy paths");
  const request = readRequest(requestSource);

  let module: DecisionModule;
  let decider: Decider;
  if (bundle) {
    const loaded = await loadBundle(bundle);
    module = loaded.module;
    decider = loaded.decider;
  } else {
    const result = await compile({ paths, cwd: process.cwd(), until: "artifact" });
    if (!result.ok || !result.bundle) {
      process.stderr.write(renderDiagnostics(result.diagnostics, "pretty", result.droppedDiagnostics));
      return 1;
    }
    module = await importBundle(result.bundle);
    decider = instantiateModule(module);
  }

  const decision = decider.decide(request);
  if (command === "eval") {
    const { verdict, status, code, scope, rule } = decision;
    process.stdout.write(`${JSON.stringify({ verdict, status, code, scope, rule })}\n`);
    return 0;
  }
  const explanation = createInterpreter(module.policy.flat).explain(request);
  if (!isDeepStrictEqual({ ...explanation.decision }, { ...decision })) {
    throw new Error(
      `the decision module and the interpreter disagree: ${JSON.stringify(decision)} vs ${JSON.stringify(explanation.decision)}`,
    );
  }
  process.stdout.write(renderExplanation(request, explanation));
  return 0;
}
