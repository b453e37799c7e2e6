// TypeScript policy files: type-checked together with ts-morph against the authoring API,
// then evaluated. Diagnostics on the evaluated value are located by finding the string
// literal that produced it (the document no longer remembers its syntax).
import type { Diagnostic as TsDiagnostic, SourceFile as TsSourceFile } from "ts-morph";
import { evaluateTypeScriptPolicy } from "../bundle/evaluate-ts.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { Span } from "../ir/index.ts";
import { authoringEntry } from "../package-root.ts";
import { type DocumentPath, LineIndex, type PolicySource, type SourceFile, valueAt } from "./source.ts";

export async function loadTypeScriptSources(
  files: readonly SourceFile[],
  diagnostics: DiagnosticBag,
): Promise<PolicySource[]> {
  if (files.length === 0) return [];
  // Loaded on demand: ts-morph costs about half a second, which JSON-only runs never pay.
  tsMorph = await import("ts-morph");
  const { Project, ts } = tsMorph;
  const project = new Project({
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      paths: { rrc: [authoringEntry()] },
    },
    skipAddingFilesFromTsConfig: true,
  });
  const byPath = new Map<string, SourceFile>();
  for (const file of files) {
    project.createSourceFile(file.absolutePath, file.text, { overwrite: true });
    byPath.set(file.absolutePath, file);
  }
  let typeErrors = 0;
  for (const diagnostic of project.getPreEmitDiagnostics()) {
    if (diagnostic.getCategory() !== ts.DiagnosticCategory.Error) continue;
    typeErrors++;
    diagnostics.report("RRC1003", { message: tsMessage(diagnostic), span: tsSpan(diagnostic, byPath) });
  }
  if (typeErrors > 0) return [];

  // A file other policy files import, with no default export, is a helper module.
  const imported = new Set<string>();
  for (const file of files) {
    for (const declaration of project.getSourceFileOrThrow(file.absolutePath).getImportDeclarations()) {
      const target = declaration.getModuleSpecifierSourceFile();
      if (target) imported.add(target.getFilePath());
    }
  }
  const sources: PolicySource[] = [];
  for (const file of files) {
    const helper = project.getSourceFileOrThrow(file.absolutePath);
    if (imported.has(helper.getFilePath()) && !helper.getDefaultExportSymbol()) continue;
    const evaluation = await evaluateTypeScriptPolicy(file.absolutePath);
    const lines = new LineIndex(file.text);
    const tsFile = project.getSourceFileOrThrow(file.absolutePath);
    const fallback = defaultExportSpan(tsFile, file, lines);
    if (!evaluation.ok) {
      diagnostics.report("RRC1004", { message: `policy threw: ${evaluation.message}`, span: fallback });
      continue;
    }
    const document = evaluation.value;
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
      diagnostics.report("RRC1005", {
        message: "expected `export default definePolicy({...})`",
        span: fallback,
        help: "a TypeScript policy file must default-export a policy document",
      });
      continue;
    }
    const literals = indexStringLiterals(tsFile);
    sources.push({
      file,
      document,
      locate: (path) => locateLiteral(document, path, literals, file, lines) ?? fallback,
      spanAt: (offset, length) => lines.span(file.path, offset, length),
    });
  }
  return sources;
}

let tsMorph: typeof import("ts-morph");

function tsMessage(diagnostic: TsDiagnostic): string {
  const text = tsMorph.ts.flattenDiagnosticMessageText(diagnostic.compilerObject.messageText, " ");
  return `TS${diagnostic.getCode()}: ${text}`;
}

function tsSpan(diagnostic: TsDiagnostic, byPath: Map<string, SourceFile>): Span | null {
  const tsFile = diagnostic.getSourceFile();
  const start = diagnostic.getStart();
  if (!tsFile || start === undefined) return null;
  const file = byPath.get(tsFile.getFilePath());
  const display = file?.path ?? tsFile.getFilePath();
  return new LineIndex(tsFile.getFullText()).span(display, start, diagnostic.getLength() ?? 1);
}

interface LiteralSite {
  readonly offset: number;
  readonly length: number;
  readonly property: string | null;
}

function indexStringLiterals(tsFile: TsSourceFile): Map<string, LiteralSite[]> {
  const sites = new Map<string, LiteralSite[]>();
  const { Node } = tsMorph;
  tsFile.forEachDescendant((node) => {
    if (!Node.isStringLiteral(node) && !Node.isNoSubstitutionTemplateLiteral(node)) return;
    const parent = node.getParent();
    const property =
      parent && Node.isPropertyAssignment(parent) ? parent.getName().replace(/^["']|["']$/g, "") : null;
    const list = sites.get(node.getLiteralText()) ?? [];
    list.push({ offset: node.getStart(), length: node.getWidth(), property });
    sites.set(node.getLiteralText(), list);
  });
  return sites;
}

/** The literal that most likely produced the value at `path`: the value itself when it is
 * a string, otherwise the `id` of the nearest enclosing entity or rule. */
function locateLiteral(
  document: unknown,
  path: DocumentPath,
  literals: Map<string, LiteralSite[]>,
  file: SourceFile,
  lines: LineIndex,
): Span | null {
  for (let length = path.length; length >= 0; length--) {
    const prefix = path.slice(0, length);
    const value = valueAt(document, prefix);
    const candidates: [string, string | null][] = [];
    if (typeof value === "string") candidates.push([value, stringKey(prefix[prefix.length - 1])]);
    const id = valueAt(document, [...prefix, "id"]);
    if (typeof id === "string") candidates.push([id, "id"]);
    for (const [text, property] of candidates) {
      const sites = literals.get(text);
      if (!sites) continue;
      const site = sites.find((candidate) => candidate.property === property) ?? sites[0]!;
      return lines.span(file.path, site.offset, site.length);
    }
  }
  return null;
}

function stringKey(segment: string | number | undefined): string | null {
  return typeof segment === "string" ? segment : null;
}

function defaultExportSpan(tsFile: TsSourceFile, file: SourceFile, lines: LineIndex): Span {
  const assignment = tsFile.getExportAssignment((node) => !node.isExportEquals());
  const offset = assignment?.getStart() ?? 0;
  return lines.span(file.path, offset, assignment ? "export default".length : 0);
}
