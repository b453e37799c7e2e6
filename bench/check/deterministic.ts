// The regression gate's deterministic measures: the same sources and compiler always give
// the same numbers, on any machine, so they gate exactly (SPEC §13, STYLE item 10).
import { TABLES_FILE } from "../../compiler/artifact/index.ts";
import { importModuleSource } from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import { buildEngines, type RrcEngines } from "../peers/rrc-engines.ts";
import type { CheckPolicy } from "./policies.ts";
import { countingRe2, type Re2Counts } from "./re2-counter.ts";

export interface DeterministicMeasures {
  /** The decision module's bytes (the engine: code only since module format 2). */
  readonly codeBytes: number;
  /** The decision tables' bytes (`tables.json`), which the gateway parses and keeps. */
  readonly tablesBytes: number;
  /** RE2.Set match()/test() calls per decision over the policy's request mix. */
  readonly re2CallsPerDecision: number;
  readonly re2Sets: number;
}

export interface MeasuredPolicy {
  readonly policy: CheckPolicy;
  readonly engines: RrcEngines;
  readonly measures: DeterministicMeasures;
}

export async function measureDeterministic(policy: CheckPolicy, workspace: string): Promise<MeasuredPolicy> {
  const engines = await buildEngines(policy.document, workspace, policy.name);
  const counts: Re2Counts = { sets: 0, calls: 0 };
  // A second instance of the module (a different source text, so not the cached one): the
  // counting sets must not make the real decider's code polymorphic, which would change what
  // it allocates and how fast it runs.
  const source = engines.bundle.files.get(engines.bundle.manifest.module)!;
  const copy = await importModuleSource(`${source}\n// instance that counts RE2 calls\n`);
  const tablesText = engines.bundle.files.get(TABLES_FILE)!;
  const tables = JSON.parse(tablesText);
  // Without remembered paths: the count is what one decision asks of RE2 (SPEC §13's flat regex cost).
  const decider: Decider = copy.instantiate({
    RE2: countingRe2(counts),
    tables,
    options: { rememberPaths: false },
  });
  const sets = counts.sets;
  for (const request of policy.requests) {
    const counted = JSON.stringify(decider.decide(request));
    const reference = JSON.stringify(engines.interpreter.decide(request));
    if (counted !== reference)
      throw new Error(`${policy.name}: emitted and interpreter disagree: ${counted} vs ${reference}`);
  }
  return {
    policy,
    engines,
    measures: {
      codeBytes: engines.codeBytes,
      tablesBytes: Buffer.byteLength(tablesText),
      re2CallsPerDecision: counts.calls / policy.requests.length,
      re2Sets: sets,
    },
  };
}
