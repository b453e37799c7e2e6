// Pass `artifact`: the bundle directory's files and manifest (SPEC §9), built in memory;
// `writeBundle` publishes them atomically so a failed build leaves nothing behind.
import { createHash, createPrivateKey, sign } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Tables } from "../../runtime/decision/tables.ts";
import type { PolicyDocument } from "../authoring/types.ts";
import type { FlatPolicy } from "../ir/index.ts";
import type { SourceFile } from "../load/source.ts";

export const MANIFEST_SCHEMA_VERSION = 1;
export const MODULE_FILE = "decision.mjs";
/** The decision tables the module's `instantiate` runs on, as JSON. */
export const TABLES_FILE = "tables.json";
/** The merged policy document (secret references only), as JSON: what the gateway configures. */
export const DOCUMENT_FILE = "document.json";
/** The flattened IR with source spans, as JSON: for explain, test, diff, matrix and review. */
export const FLAT_FILE = "flat.json";
export const MANIFEST_FILE = "manifest.json";
export const SIGNATURE_FILE = "signature";

export interface BundleStats {
  readonly rulesIn: number;
  readonly rulesPruned: number;
  readonly regexSets: number;
  readonly codeBytes: number;
}

export interface Manifest {
  readonly schemaVersion: number;
  readonly revision: string;
  readonly compiler: { readonly name: string; readonly version: string };
  readonly moduleFormat: number;
  readonly module: string;
  readonly files: Readonly<Record<string, string>>;
  readonly stats: BundleStats;
  readonly pruned: readonly string[];
}

export interface BundleFiles {
  readonly manifest: Manifest;
  /** File name → exact bytes, manifest included. */
  readonly files: ReadonlyMap<string, string>;
}

export function sha256(text: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** The revision: a digest of the sources by their paths relative to the policy root. */
export function sourceRevision(files: readonly SourceFile[]): string {
  const hash = createHash("sha256");
  const ordered = [...files].sort((a, b) => (a.relativePath < b.relativePath ? -1 : 1));
  for (const file of ordered) hash.update(`${file.relativePath}\u0000${file.text}\u0000`);
  return `sha256:${hash.digest("hex")}`;
}

export function runArtifact(input: {
  moduleCode: string;
  tables: Tables;
  document: PolicyDocument;
  flat: FlatPolicy;
  revision: string;
  compilerVersion: string;
  moduleFormat: number;
  stats: Omit<BundleStats, "codeBytes">;
  pruned: readonly string[];
}): BundleFiles {
  const tables = `${JSON.stringify(input.tables)}\n`;
  const document = `${JSON.stringify(input.document)}\n`;
  const flat = `${JSON.stringify(input.flat)}\n`;
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    revision: input.revision,
    compiler: { name: "rrc", version: input.compilerVersion },
    moduleFormat: input.moduleFormat,
    module: MODULE_FILE,
    files: {
      [MODULE_FILE]: sha256(input.moduleCode),
      [TABLES_FILE]: sha256(tables),
      [DOCUMENT_FILE]: sha256(document),
      [FLAT_FILE]: sha256(flat),
    },
    stats: { ...input.stats, codeBytes: Buffer.byteLength(input.moduleCode) },
    pruned: [...input.pruned],
  };
  const files = new Map([
    [MODULE_FILE, input.moduleCode],
    [TABLES_FILE, tables],
    [DOCUMENT_FILE, document],
    [FLAT_FILE, flat],
    [MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`],
  ]);
  return { manifest, files };
}

/** Writes into a sibling temporary directory, then swaps it into place. */
export function writeBundle(outDir: string, bundle: BundleFiles): void {
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(outDir)}.tmp-`));
  try {
    for (const [name, text] of bundle.files) writeFileSync(join(staging, name), text);
    if (existsSync(outDir)) {
      const retired = `${staging}.old`;
      renameSync(outDir, retired);
      renameSync(staging, outDir);
      rmSync(retired, { recursive: true, force: true });
    } else {
      renameSync(staging, outDir);
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Adds a detached Ed25519 signature over the manifest's exact bytes (which carry every
 * file's digest). Ed25519 is deterministic, so signed builds stay byte-identical. */
export function signBundle(bundle: BundleFiles, privateKeyPem: string): BundleFiles {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error("the signing key must be an Ed25519 private key");
  const manifest = bundle.files.get(MANIFEST_FILE)!;
  const signature = sign(null, Buffer.from(manifest), key).toString("base64");
  const files = new Map(bundle.files);
  files.set(SIGNATURE_FILE, `${signature}\n`);
  return { manifest: bundle.manifest, files };
}
