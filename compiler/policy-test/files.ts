// Finding and reading test files: `*.test.json` (comments allowed) and `*.test.yaml` /
// `*.test.yml`, from the paths given or, by default, the policy directory's `tests/`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, resolve } from "node:path";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import { loadJsonSource } from "../load/json-source.ts";
import { checkTestDocument } from "./schema.ts";
import type { LocatedDocument, TestFile } from "./types.ts";
import { loadYamlDocument } from "./yaml-source.ts";

export const TEST_FILE_SUFFIXES = [".test.json", ".test.yaml", ".test.yml"] as const;
const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist"]);

/** Absolute paths of the test files under `paths`, sorted within each directory. */
export function findTestFiles(paths: readonly string[], cwd: string, diagnostics: DiagnosticBag): string[] {
  const found: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch {
      diagnostics.report("RRC1001", { message: `test path \`${path}\` not found`, span: null });
      continue;
    }
    // A file named on the command line is read whatever its name, if it is JSON or YAML.
    if (!isDirectory) found.push(absolute);
    else found.push(...collect(absolute));
  }
  return [...new Set(found)];
}

function collect(directory: string): string[] {
  const found: string[] = [];
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) found.push(...collect(path));
    } else if (TEST_FILE_SUFFIXES.some((suffix) => entry.name.endsWith(suffix))) {
      found.push(path);
    }
  }
  return found;
}

/** Reads, parses and checks one test file; null (with diagnostics) when it is not usable. */
export function readTestFile(absolute: string, cwd: string, diagnostics: DiagnosticBag): TestFile | null {
  const shown = relative(cwd, absolute);
  const path = shown.startsWith("..") || shown === "" ? absolute : shown;
  const extension = extname(absolute);
  if (extension !== ".json" && extension !== ".yaml" && extension !== ".yml") {
    diagnostics.report("RRC1001", {
      message: `test file \`${path}\` is not \`.json\`, \`.yaml\` or \`.yml\``,
      span: null,
    });
    return null;
  }
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch {
    diagnostics.report("RRC1001", { message: `cannot read test file \`${path}\``, span: null });
    return null;
  }
  const located =
    extension === ".json"
      ? jsonDocument(path, absolute, text, diagnostics)
      : loadYamlDocument(path, text, diagnostics);
  return located ? checkTestDocument(located, diagnostics) : null;
}

function jsonDocument(
  path: string,
  absolutePath: string,
  text: string,
  diagnostics: DiagnosticBag,
): LocatedDocument | null {
  const file = { path, absolutePath, relativePath: path, text, kind: "json" as const };
  const source = loadJsonSource(file, diagnostics);
  return source ? { path, document: source.document, locate: source.locate } : null;
}
