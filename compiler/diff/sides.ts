// The two sides of `rrc diff`: each a policy (directory or file, compiled in memory) or a
// bundle directory (recognised by its manifest.json, verified and loaded like `rrc serve`
// does). Either way a side is the flattened IR (a bundle carries it in `policy.flat`) and
// the emitted decision function, which checks every example the diff shows.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  importBundle,
  instantiateModule,
  loadBundle,
  SUPPORTED_MANIFEST_VERSION,
  SUPPORTED_MODULE_FORMAT,
} from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import { MANIFEST_FILE, MANIFEST_SCHEMA_VERSION } from "../artifact/index.ts";
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import { MODULE_FORMAT } from "../emit/index.ts";
import type { FlatPolicy } from "../ir/index.ts";
import { compile } from "../pipeline.ts";

export interface Formats {
  readonly schemaVersion: number;
  readonly moduleFormat: number;
}

export interface Side {
  /** As the user named it. */
  readonly label: string;
  readonly kind: "policy" | "bundle";
  readonly revision: string;
  readonly formats: Formats;
  readonly flat: FlatPolicy;
  readonly decider: Decider;
}

/** Why a side cannot be compared; exit code 1, with the diagnostics of a policy that does not build. */
export class DiffInputError extends Error {
  override readonly name = "DiffInputError";
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
  }
}

export function isBundleDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, MANIFEST_FILE));
  } catch {
    return false;
  }
}

/** The versions a bundle declares, read before anything is loaded. */
function bundleFormats(label: string, directory: string): Formats {
  let manifest: { schemaVersion?: unknown; moduleFormat?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(directory, MANIFEST_FILE), "utf8"));
  } catch {
    throw new DiffInputError(`\`${label}\`: ${MANIFEST_FILE} is not valid JSON`);
  }
  const schemaVersion = manifest?.schemaVersion;
  const moduleFormat = manifest?.moduleFormat;
  if (typeof schemaVersion !== "number" || typeof moduleFormat !== "number") {
    throw new DiffInputError(`\`${label}\`: ${MANIFEST_FILE} has no schemaVersion or moduleFormat`);
  }
  return { schemaVersion, moduleFormat };
}

const CURRENT: Formats = { schemaVersion: MANIFEST_SCHEMA_VERSION, moduleFormat: MODULE_FORMAT };

function describe(formats: Formats): string {
  return `manifest schema ${formats.schemaVersion}, module format ${formats.moduleFormat}`;
}

/** Both sides must be in formats this compiler reads, and the same ones. */
export function checkFormats(
  old: { label: string; formats: Formats },
  next: { label: string; formats: Formats },
) {
  if (
    old.formats.schemaVersion !== next.formats.schemaVersion ||
    old.formats.moduleFormat !== next.formats.moduleFormat
  ) {
    throw new DiffInputError(
      `bundle formats differ: \`${old.label}\` has ${describe(old.formats)}, \`${next.label}\` has ` +
        `${describe(next.formats)}; rebuild both with the same rrc version to compare them`,
    );
  }
  for (const side of [old, next]) {
    if (
      side.formats.schemaVersion !== SUPPORTED_MANIFEST_VERSION ||
      side.formats.moduleFormat !== SUPPORTED_MODULE_FORMAT
    ) {
      throw new DiffInputError(
        `\`${side.label}\` has ${describe(side.formats)}, which this rrc (${describe(CURRENT)}) cannot read; ` +
          "rebuild it with this version",
      );
    }
  }
}

export async function loadSides(oldPath: string, newPath: string, cwd: string): Promise<[Side, Side]> {
  const inputs = [oldPath, newPath].map((label) => {
    const absolute = resolve(cwd, label);
    const bundle = isBundleDirectory(absolute);
    return { label, absolute, bundle, formats: bundle ? bundleFormats(label, absolute) : CURRENT };
  });
  checkFormats(inputs[0]!, inputs[1]!);
  const sides = [];
  for (const input of inputs) {
    sides.push(input.bundle ? await loadBundleSide(input) : await compileSide(input.label, cwd));
  }
  return [sides[0]!, sides[1]!];
}

async function loadBundleSide(input: { label: string; absolute: string; formats: Formats }): Promise<Side> {
  const loaded = await loadBundle(input.absolute);
  return {
    label: input.label,
    kind: "bundle",
    revision: loaded.manifest.revision,
    formats: input.formats,
    flat: loaded.module.policy.flat,
    decider: loaded.decider,
  };
}

async function compileSide(label: string, cwd: string): Promise<Side> {
  if (!existsSync(resolve(cwd, label))) throw new DiffInputError(`\`${label}\` not found`);
  const result = await compile({ paths: [label], cwd, until: "artifact" });
  if (!result.ok || !result.bundle || !result.flat) {
    throw new DiffInputError(`\`${label}\` does not build`, result.diagnostics);
  }
  const module = await importBundle(result.bundle);
  return {
    label,
    kind: "policy",
    revision: result.bundle.manifest.revision,
    formats: CURRENT,
    flat: result.flat,
    decider: instantiateModule(module),
  };
}
