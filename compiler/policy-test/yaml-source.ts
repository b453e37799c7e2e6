// YAML test files, parsed with node ranges so schema errors point at the exact key or
// value, like JSON ones. YAML 1.2 core schema: `yes` stays a string, no dates.
import { isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { Span } from "../ir/index.ts";
import { type DocumentPath, LineIndex } from "../load/source.ts";
import type { LocatedDocument } from "./types.ts";

export function loadYamlDocument(
  path: string,
  text: string,
  diagnostics: DiagnosticBag,
): LocatedDocument | null {
  const lines = new LineIndex(text);
  // Duplicate keys are errors by default (`uniqueKeys`), and aliases are capped (`maxAliasCount`).
  const document = parseDocument(text, { prettyErrors: false });
  for (const error of document.errors) {
    const [start, end] = error.pos;
    const duplicate = error.code === "DUPLICATE_KEY";
    diagnostics.report(duplicate ? "RRC1007" : "RRC1002", {
      message: duplicate ? "duplicate key" : `malformed YAML: ${firstLine(error.message)}`,
      span: lines.span(path, start, Math.max(end - start, 1)),
    });
  }
  if (document.errors.length > 0) return null;
  const root = document.contents;
  const whole: Span = lines.span(path, 0, 0);
  return {
    path,
    document: document.toJS(),
    locate(at: DocumentPath, part = "value") {
      const found = nodeAt(root, at);
      const target = part === "key" && found.key ? found.key : found.node;
      const range = target?.range;
      return range ? lines.span(path, range[0], Math.max(range[1] - range[0], 1)) : whole;
    },
  };
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

/** The deepest node on the way to `path` (a missing field points at its parent), and its key. */
function nodeAt(root: Node | null, path: DocumentPath): { node: Node | null; key: Node | null } {
  let node = root;
  let key: Node | null = null;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? key;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      key = null;
      node = item;
    } else {
      break;
    }
  }
  return { node, key };
}
