// Pass `load`: the only pass that reads files. Collects `.json` and `.ts` policies from
// files and directories in a stable order and parses them into located documents.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, relative, resolve, sep } from "node:path";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import { loadJsonSource } from "./json-source.ts";
import type { PolicySource, SourceFile } from "./source.ts";
import { loadTypeScriptSources } from "./ts-source.ts";

export interface LoadInput {
  readonly paths: readonly string[];
  readonly cwd: string;
}

export interface LoadedSources {
  readonly files: readonly SourceFile[];
  readonly sources: readonly PolicySource[];
}

/** Files in a policy directory that are not policies: tests, declarations, tool configs. */
const IGNORED_NAMES = new Set(["package.json", "package-lock.json", "tsconfig.json", "biome.json"]);
const IGNORED_SUFFIXES = [".d.ts", ".test.ts", ".test.json", ".tests.json", ".cases.json"];
const IGNORED_DIRECTORIES = new Set(["node_modules", "tests", "dist"]);

export async function runLoad(input: LoadInput, diagnostics: DiagnosticBag): Promise<LoadedSources> {
  const files: SourceFile[] = [];
  for (const path of input.paths) {
    const absolute = resolve(input.cwd, path);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch {
      diagnostics.report("RRC1001", { message: `policy path \`${path}\` not found`, span: null });
      continue;
    }
    const found = isDirectory ? collectPolicyFiles(absolute) : [absolute];
    for (const file of found) {
      const root = isDirectory ? absolute : resolve(absolute, "..");
      files.push(readSource(file, root, input.cwd));
    }
  }
  if (files.length === 0 && diagnostics.errorCount === 0) {
    diagnostics.report("RRC1006", {
      message: "no `.json` or `.ts` policy files found",
      span: null,
      help: "pass a policy file or a directory that contains some",
    });
  }
  files.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));

  const sources: PolicySource[] = [];
  for (const file of files) {
    if (file.kind !== "json") continue;
    const source = loadJsonSource(file, diagnostics);
    if (source) sources.push(source);
  }
  const typeScript = await loadTypeScriptSources(
    files.filter((file) => file.kind === "ts"),
    diagnostics,
  );
  sources.push(...typeScript);
  // Merge order is the sorted file order, whatever the file kind.
  const order = new Map(files.map((file, index) => [file, index]));
  sources.sort((a, b) => order.get(a.file)! - order.get(b.file)!);
  return { files, sources };
}

function collectPolicyFiles(directory: string): string[] {
  const found: string[] = [];
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!IGNORED_DIRECTORIES.has(entry.name)) found.push(...collectPolicyFiles(path));
      continue;
    }
    if (!isPolicyFile(entry.name)) continue;
    found.push(path);
  }
  return found;
}

function isPolicyFile(name: string): boolean {
  if (IGNORED_NAMES.has(name)) return false;
  if (IGNORED_SUFFIXES.some((suffix) => name.endsWith(suffix))) return false;
  const extension = extname(name);
  return extension === ".json" || extension === ".ts";
}

function readSource(absolutePath: string, root: string, cwd: string): SourceFile {
  const shown = relative(cwd, absolutePath);
  const relativePath = relative(root, absolutePath).split(sep).join("/") || basename(absolutePath);
  return {
    path: shown.startsWith("..") ? absolutePath : shown,
    absolutePath,
    relativePath,
    text: readFileSync(absolutePath, "utf8"),
    kind: extname(absolutePath) === ".ts" ? "ts" : "json",
  };
}
