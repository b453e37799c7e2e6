// JSON (with comments) policy files: parsed with positions so every diagnostic can point
// at the exact key or value, and duplicate keys are caught before they hide each other.
import { findNodeAtLocation, type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import { type DocumentPath, LineIndex, type PolicySource, type SourceFile } from "./source.ts";

export function loadJsonSource(file: SourceFile, diagnostics: DiagnosticBag): PolicySource | null {
  const lines = new LineIndex(file.text);
  const errors: ParseError[] = [];
  const root = parseTree(file.text, errors, { allowTrailingComma: false, disallowComments: false });
  for (const error of errors) {
    diagnostics.report("RRC1002", {
      message: `malformed JSON: ${describeParseError(printParseErrorCode(error.error))}`,
      span: lines.span(file.path, error.offset, Math.max(error.length, 1)),
    });
  }
  if (errors.length > 0 || root === undefined) return null;
  if (!reportDuplicateKeys(root, file, lines, diagnostics)) return null;
  return {
    file,
    document: nodeValue(root),
    locate(path: DocumentPath, part = "value") {
      const node = findNodeAtLocation(root, path as (string | number)[]) ?? nearestNode(root, path);
      const target = part === "key" && node.parent?.type === "property" ? node.parent.children![0]! : node;
      return lines.span(file.path, target.offset, target.length);
    },
    spanAt: (offset, length) => lines.span(file.path, offset, length),
  };
}

function describeParseError(code: string): string {
  return code
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
}

/** The deepest existing node on the way to `path`, so a missing field points at its parent. */
function nearestNode(root: Node, path: DocumentPath): Node {
  for (let length = path.length - 1; length >= 0; length--) {
    const node = findNodeAtLocation(root, path.slice(0, length) as (string | number)[]);
    if (node) return node;
  }
  return root;
}

function reportDuplicateKeys(
  root: Node,
  file: SourceFile,
  lines: LineIndex,
  diagnostics: DiagnosticBag,
): boolean {
  let clean = true;
  const visit = (node: Node): void => {
    if (node.type === "object") {
      const seen = new Map<string, Node>();
      for (const property of node.children ?? []) {
        const keyNode = property.children?.[0];
        if (!keyNode) continue;
        const key = String(keyNode.value);
        const first = seen.get(key);
        if (first) {
          clean = false;
          diagnostics.report("RRC1007", {
            message: `duplicate key \`${key}\``,
            span: lines.span(file.path, keyNode.offset, keyNode.length),
            notes: [
              { message: "first defined here", span: lines.span(file.path, first.offset, first.length) },
            ],
          });
        } else {
          seen.set(key, keyNode);
        }
      }
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(root);
  return clean;
}

/** Builds the plain value; keys such as `__proto__` become own properties, never prototypes. */
function nodeValue(node: Node): unknown {
  switch (node.type) {
    case "object": {
      const result: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (!keyNode || !valueNode) continue;
        Object.defineProperty(result, String(keyNode.value), {
          value: nodeValue(valueNode),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return result;
    }
    case "array":
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}
