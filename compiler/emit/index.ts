// Pass `emit`: the decision module's source. Tables and policy data are hoisted into the
// prelude as frozen literals; `instantiate` builds every RE2.Set once, at load time.
import { join } from "node:path";
import type { PolicyDocument } from "../authoring/types.ts";
import type { FlatPolicy } from "../ir/index.ts";
import { packageRoot } from "../package-root.ts";
import { dataLiteral, js, lines, stringLiteral } from "./code.ts";
import { lowerTables } from "./tables.ts";

export interface EmitInput {
  /** The whole flattened policy, embedded for `explain`, `diff` and the runtime. */
  readonly flat: FlatPolicy;
  /** The policy lowered into decision tables: `flat` less the pruned rules (analyze). */
  readonly tables?: FlatPolicy;
  /** The merged, validated policy (secrets are references only). */
  readonly document: PolicyDocument;
  readonly revision: string;
}

export interface EmitOutput {
  readonly source: string;
  readonly regexSets: number;
}

/** Bumped whenever the module's exports or tables change shape. */
export const MODULE_FORMAT = 1;

export function runEmit(input: EmitInput): EmitOutput {
  const tables = lowerTables(input.tables ?? input.flat);
  const regexSets = tables.scopes.reduce(
    (count, scope) =>
      count +
      (scope.pathPatterns.length > 0 ? 1 : 0) +
      scope.fields.filter((field) => field.patterns.length > 0).length,
    0,
  );
  const engine = join(packageRoot(), "runtime", "decision", "engine.ts");
  const freeze = join(packageRoot(), "runtime", "decision", "deep-freeze.ts");
  const source = lines([
    js`// rrc decision module (generated; do not edit). Revision ${stringLiteral(input.revision)}.`,
    js`import { createDecider } from ${stringLiteral(engine)};`,
    js`import { deepFreeze } from ${stringLiteral(freeze)};`,
    js`export const format = ${dataLiteral(MODULE_FORMAT)};`,
    js`export const revision = ${stringLiteral(input.revision)};`,
    js`const tables = deepFreeze(${dataLiteral(tables)});`,
    js`export const policy = deepFreeze(${dataLiteral({ document: input.document, flat: input.flat })});`,
    js`/** Builds the decider; the caller passes the \`re2\` module, which stays external. */`,
    js`export function instantiate(deps) {`,
    js`  return createDecider(tables, deps.RE2);`,
    js`}`,
    js``,
  ]);
  return { source: source.text, regexSets };
}
