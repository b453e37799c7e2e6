// Loading a decision bundle: the manifest is read, every file's digest verified, and only
// then the module imported and instantiated. Any failure refuses the whole bundle.
import { createHash, type KeyObject, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import RE2 from "re2";
import type { Manifest } from "../../compiler/artifact/index.ts";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import type { FlatPolicy } from "../../compiler/ir/index.ts";
import type { Decider, Re2Module } from "../decision/engine.ts";

export const SUPPORTED_MODULE_FORMAT = 1;
export const SUPPORTED_MANIFEST_VERSION = 1;

export type BundleErrorCode =
  | "bundle-unreadable"
  | "bundle-manifest-invalid"
  | "bundle-version-unsupported"
  | "bundle-digest-mismatch"
  | "bundle-module-invalid"
  | "bundle-unsigned"
  | "bundle-signature-invalid";

export class BundleError extends Error {
  override readonly name = "BundleError";
  constructor(
    readonly code: BundleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DecisionModule {
  readonly format: number;
  readonly revision: string;
  readonly policy: { readonly document: PolicyDocument; readonly flat: FlatPolicy };
  instantiate(deps: { RE2: Re2Module }): Decider;
}

export interface LoadedBundle {
  readonly manifest: Manifest;
  readonly module: DecisionModule;
  readonly decider: Decider;
}

export interface LoadOptions {
  /** When given, the bundle must carry a valid Ed25519 signature by this key. */
  readonly verifyKey?: KeyObject;
}

export async function loadBundle(directory: string, options: LoadOptions = {}): Promise<LoadedBundle> {
  // The manifest is read once: the bytes verified are the bytes parsed.
  const manifestBytes = readManifestBytes(directory);
  if (options.verifyKey) verifySignature(directory, manifestBytes, options.verifyKey);
  const manifest = parseManifest(manifestBytes);
  const moduleText = verifiedFile(directory, manifest, manifest.module);
  for (const name of Object.keys(manifest.files)) verifiedFile(directory, manifest, name);
  const module = await importModuleSource(moduleText);
  if (module.revision !== manifest.revision) {
    throw new BundleError("bundle-module-invalid", "module revision does not match the manifest");
  }
  return { manifest, module, decider: module.instantiate({ RE2: RE2 as unknown as Re2Module }) };
}

/** Imports module text from memory (the file already verified, never re-read). */
export async function importModuleSource(text: string): Promise<DecisionModule> {
  let module: DecisionModule;
  try {
    module = (await import(
      `data:text/javascript;base64,${Buffer.from(text).toString("base64")}`
    )) as DecisionModule;
  } catch (error) {
    throw new BundleError(
      "bundle-module-invalid",
      `decision module failed to load: ${(error as Error).message}`,
    );
  }
  if (module.format !== SUPPORTED_MODULE_FORMAT || typeof module.instantiate !== "function") {
    throw new BundleError(
      "bundle-version-unsupported",
      `decision module format ${String(module.format)} is not supported`,
    );
  }
  return module;
}

export function instantiateModule(module: DecisionModule): Decider {
  return module.instantiate({ RE2: RE2 as unknown as Re2Module });
}

function readManifestBytes(directory: string): Buffer {
  try {
    return readFileSync(join(directory, "manifest.json"));
  } catch {
    throw new BundleError("bundle-unreadable", `no manifest.json in \`${directory}\``);
  }
}

function parseManifest(bytes: Buffer): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString("utf8")) as Manifest;
  } catch {
    throw new BundleError("bundle-manifest-invalid", "manifest.json is not valid JSON");
  }
  if (
    manifest === null ||
    typeof manifest !== "object" ||
    typeof manifest.files !== "object" ||
    manifest.files === null ||
    Array.isArray(manifest.files)
  ) {
    throw new BundleError("bundle-manifest-invalid", "manifest.json lacks its file list");
  }
  if (manifest.schemaVersion !== SUPPORTED_MANIFEST_VERSION) {
    throw new BundleError(
      "bundle-version-unsupported",
      `manifest schema ${String(manifest.schemaVersion)} is not supported`,
    );
  }
  if (typeof manifest.module !== "string" || !Object.hasOwn(manifest.files, manifest.module)) {
    throw new BundleError("bundle-manifest-invalid", "manifest.json does not list its module");
  }
  return manifest;
}

function verifiedFile(directory: string, manifest: Manifest, name: string): string {
  if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
    throw new BundleError("bundle-manifest-invalid", `manifest lists an unsafe file name \`${name}\``);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(directory, name));
  } catch {
    throw new BundleError("bundle-unreadable", `bundle file \`${name}\` is missing`);
  }
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (digest !== manifest.files[name]) {
    throw new BundleError("bundle-digest-mismatch", `bundle file \`${name}\` does not match its digest`);
  }
  return bytes.toString("utf8");
}

function verifySignature(directory: string, manifest: Buffer, key: KeyObject): void {
  let signature: string;
  try {
    signature = readFileSync(join(directory, "signature"), "utf8").trim();
  } catch {
    throw new BundleError("bundle-unsigned", "bundle has no signature, and a verify key was given");
  }
  let valid = false;
  try {
    valid = verify(null, manifest, key, Buffer.from(signature, "base64"));
  } catch {
    valid = false;
  }
  if (!valid)
    throw new BundleError("bundle-signature-invalid", "bundle signature does not verify with the given key");
}
