// Loading a decision bundle: the manifest is read, every file's digest verified, and only
// then the module imported and instantiated with its tables. Any failure refuses the whole
// bundle.
//
// Module format 2: the module is code only; its tables and the policy (document and
// flattened IR) are JSON files beside it. Data is parsed, never imported: an imported
// module's source stays in memory for good, and so does its `data:` URL (the whole source
// in base64, in several copies), so a policy inside the module cost several times its size
// on top of its parsed objects. The document is parsed at load (the gateway configures
// itself from it); the IR only on first use (explain, test, diff, review, the dashboard):
// until then its verified bytes are kept deflated, ~1/12 of their size, and the file is
// never read again.
import { createHash, type KeyObject, verify } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import RE2 from "re2";
import {
  type BundleFiles,
  DOCUMENT_FILE,
  FLAT_FILE,
  type Manifest,
  TABLES_FILE,
} from "../../compiler/artifact/index.ts";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import type { FlatPolicy } from "../../compiler/ir/index.ts";
import { deepFreeze } from "../decision/deep-freeze.ts";
import type { Decider, DeciderOptions, Re2Module } from "../decision/engine.ts";
import type { Tables } from "../decision/tables.ts";

export const SUPPORTED_MODULE_FORMAT = 2;
export const SUPPORTED_MANIFEST_VERSION = 1;

/** The JSON files a bundle of the supported module format carries beside its module. */
const DATA_FILES = [TABLES_FILE, DOCUMENT_FILE, FLAT_FILE] as const;
/** Bundle files are read (and hashed) this much at a time, never whole into one buffer. */
const READ_CHUNK = 256 * 1024;

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

/** What the decision module itself exports. */
export interface ModuleExports {
  readonly format: number;
  readonly revision: string;
  /** Builds a decider from the bundle's tables (`tables.json`, parsed), which it deep-freezes. */
  instantiate(deps: { RE2: Re2Module; tables: Tables; options?: DeciderOptions }): Decider;
}

/** The policy a bundle carries beside its module; deep-frozen. */
export interface BundlePolicy {
  readonly document: PolicyDocument;
  /** Parsed on first access. */
  readonly flat: FlatPolicy;
}

/** A bundle's decision module with its tables and policy. */
export interface DecisionModule {
  readonly format: number;
  readonly revision: string;
  readonly policy: BundlePolicy;
  /** A decider on the bundle's tables. */
  instantiate(deps: { RE2: Re2Module; options?: DeciderOptions }): Decider;
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
  // Every listed file is read once and checked against its digest before any is used.
  const reader = new VerifiedReader(directory, manifest);
  const texts = new Map<string, string>();
  let packedFlat: Buffer[] = [];
  for (const name of Object.keys(manifest.files)) {
    if (name === manifest.module || name === TABLES_FILE || name === DOCUMENT_FILE) {
      texts.set(name, reader.text(name));
    } else if (name === FLAT_FILE) {
      packedFlat = reader.deflated(name);
    } else {
      reader.read(name, () => {});
    }
  }
  const exports = await importModuleSource(texts.get(manifest.module)!);
  if (exports.revision !== manifest.revision) {
    throw new BundleError("bundle-module-invalid", "module revision does not match the manifest");
  }
  const tables = parseJson(TABLES_FILE, texts.get(TABLES_FILE)!);
  const document = parseJson(DOCUMENT_FILE, texts.get(DOCUMENT_FILE)!);
  texts.clear();
  const module = bundleModule(exports, tables, document, () => {
    const bytes = Buffer.concat(packedFlat.map((part) => inflateRawSync(part)));
    return parseJson(FLAT_FILE, bytes.toString("utf8"));
  });
  let decider: Decider;
  try {
    decider = instantiateModule(module);
  } catch (error) {
    throw new BundleError(
      "bundle-module-invalid",
      `decision tables failed to load: ${(error as Error).message}`,
    );
  }
  return { manifest, module, decider };
}

/** A bundle built in memory (a compile result), seen as `loadBundle` shows one from disk. */
export async function importBundle(bundle: BundleFiles): Promise<DecisionModule> {
  const text = (name: string): string => {
    const found = bundle.files.get(name);
    if (found === undefined) throw new BundleError("bundle-unreadable", `bundle file \`${name}\` is missing`);
    return found;
  };
  const exports = await importModuleSource(text(bundle.manifest.module));
  const flat = text(FLAT_FILE);
  return bundleModule(
    exports,
    parseJson(TABLES_FILE, text(TABLES_FILE)),
    parseJson(DOCUMENT_FILE, text(DOCUMENT_FILE)),
    () => parseJson(FLAT_FILE, flat),
  );
}

function bundleModule(
  exports: ModuleExports,
  tables: unknown,
  document: unknown,
  readFlat: () => unknown,
): DecisionModule {
  let flat: FlatPolicy | undefined;
  let source: (() => unknown) | null = readFlat;
  const policy: BundlePolicy = Object.freeze({
    document: deepFreeze(document as PolicyDocument),
    get flat(): FlatPolicy {
      if (flat === undefined) {
        flat = deepFreeze(source!() as FlatPolicy);
        source = null; // and the packed bytes with it
      }
      return flat;
    },
  });
  return Object.freeze({
    format: exports.format,
    revision: exports.revision,
    policy,
    instantiate: (deps: { RE2: Re2Module; options?: DeciderOptions }) =>
      exports.instantiate({ RE2: deps.RE2, tables: tables as Tables, options: deps.options }),
  });
}

/** A bundle's JSON file: an object, or the bundle is refused. */
function parseJson(name: string, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BundleError("bundle-module-invalid", `bundle file \`${name}\` is not a JSON object`);
  }
  return value;
}

/** Imports module text from memory (the file already verified, never re-read). */
export async function importModuleSource(text: string): Promise<ModuleExports> {
  let module: ModuleExports;
  try {
    module = (await import(
      `data:text/javascript;base64,${Buffer.from(text).toString("base64")}`
    )) as ModuleExports;
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

export function instantiateModule(module: DecisionModule, options?: DeciderOptions): Decider {
  return module.instantiate({ RE2: RE2 as unknown as Re2Module, options });
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
  if (manifest.moduleFormat !== SUPPORTED_MODULE_FORMAT) {
    throw new BundleError(
      "bundle-version-unsupported",
      `bundle module format ${String(manifest.moduleFormat)} is not supported (this rrc reads ${SUPPORTED_MODULE_FORMAT}); rebuild it`,
    );
  }
  for (const name of DATA_FILES) {
    if (name === manifest.module || !Object.hasOwn(manifest.files, name)) {
      throw new BundleError("bundle-manifest-invalid", `manifest.json does not list \`${name}\``);
    }
  }
  return manifest;
}

/**
 * Reads bundle files in READ_CHUNK pieces through one buffer, hashing as it goes: a file's
 * bytes are never all in memory at once, and what a sink made of them is returned only
 * once the whole file matched its digest.
 */
class VerifiedReader {
  private readonly chunk = Buffer.allocUnsafe(READ_CHUNK);

  constructor(
    private readonly directory: string,
    private readonly manifest: Manifest,
  ) {}

  /** The file as UTF-8 text. */
  text(name: string): string {
    const decoder = new StringDecoder("utf8");
    const parts: string[] = [];
    this.read(name, (bytes) => parts.push(decoder.write(bytes)));
    parts.push(decoder.end());
    return parts.join("");
  }

  /** The file deflated, a piece per read (inflate each and concatenate). */
  deflated(name: string): Buffer[] {
    const parts: Buffer[] = [];
    this.read(name, (bytes) => parts.push(deflateRawSync(bytes, { level: 1 })));
    return parts;
  }

  /** `sink` gets each piece (a view of the shared buffer, valid only during the call). */
  read(name: string, sink: (bytes: Buffer) => void): void {
    if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
      throw new BundleError("bundle-manifest-invalid", `manifest lists an unsafe file name \`${name}\``);
    }
    const hash = createHash("sha256");
    let fd: number;
    try {
      fd = openSync(join(this.directory, name), "r");
    } catch {
      throw new BundleError("bundle-unreadable", `bundle file \`${name}\` is missing`);
    }
    try {
      for (;;) {
        let count: number;
        try {
          count = readSync(fd, this.chunk, 0, READ_CHUNK, null);
        } catch {
          throw new BundleError("bundle-unreadable", `bundle file \`${name}\` cannot be read`);
        }
        if (count === 0) break;
        const bytes = this.chunk.subarray(0, count);
        hash.update(bytes);
        sink(bytes);
      }
    } finally {
      closeSync(fd);
    }
    if (`sha256:${hash.digest("hex")}` !== this.manifest.files[name]) {
      throw new BundleError("bundle-digest-mismatch", `bundle file \`${name}\` does not match its digest`);
    }
  }
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
