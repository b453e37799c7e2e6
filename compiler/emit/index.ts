// Pass `emit`: the decision module's source and the decision tables it runs on. The module
// is code only (the engine, bundled by the `bundle` pass, and the revision); the tables, the
// policy document and the flattened IR travel beside it in the bundle as JSON data
// (`tables.json`, `document.json`, `flat.json`; compiler/artifact). The gateway parses the
// tables once and `instantiate` builds every RE2.Set from them, at load time; it never
// parses, or keeps, the IR and its source spans.
import { join } from "node:path";
import type { Tables } from "../../runtime/decision/tables.ts";
import type { FlatPolicy } from "../ir/index.ts";
import { packageRoot } from "../package-root.ts";
import { dataLiteral, js, lines, stringLiteral } from "./code.ts";
import { lowerTables } from "./tables.ts";

export interface EmitInput {
  /** The whole flattened policy. */
  readonly flat: FlatPolicy;
  /** The policy lowered into decision tables: `flat` less the pruned rules (analyze). */
  readonly tables?: FlatPolicy;
  readonly revision: string;
}

export interface EmitOutput {
  readonly source: string;
  /** What `instantiate` takes as `deps.tables` (written to the bundle as `tables.json`). */
  readonly tables: Tables;
  readonly regexSets: number;
}

/**
 * Bumped whenever the module's exports, its tables or the bundle files beside it change
 * shape. 2: the tables and `policy` left the module for `tables.json`, `document.json` and
 * `flat.json`; `instantiate` takes the tables.
 */
export const MODULE_FORMAT = 2;

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
    js`/**`,
    js` * Builds the decider from the bundle's tables (\`tables.json\`, parsed; frozen here). The`,
    js` * caller passes them and the \`re2\` module, which stays external.`,
    js` */`,
    js`export function instantiate(deps) {`,
    js`  return createDecider(deepFreeze(deps.tables), deps.RE2, deps.options);`,
    js`}`,
    js``,
  ]);
  return { source: source.text, tables, regexSets };
}
