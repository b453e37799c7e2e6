// `destroy` (SPEC §7): removes every node selected by any of the filter's paths. Slots are found on the
// input first and removed in one rebuild, so removing an array element never shifts the index another path
// selected.

import { type CompiledPath, compilePath, type Marks, markSelected } from "./locate.ts";
import { DROP, isContainer, rebuildArray, rebuildObject } from "./own.ts";

export function compileDestroy(sources: readonly string[]): (document: unknown) => unknown {
  const paths: readonly CompiledPath[] = sources.map(compilePath);
  return (document) => {
    const marks: Marks = new Map();
    if (markSelected(document, paths, marks)) return null;
    if (marks.size === 0) return document;
    return without(document, marks);
  };
}

function without(node: unknown, marks: Marks): unknown {
  if (!isContainer(node)) return node;
  const keys = marks.get(node);
  if (Array.isArray(node)) {
    return rebuildArray(node, (child, index) => (keys?.has(index) ? DROP : without(child, marks)));
  }
  return rebuildObject(node as Record<string, unknown>, (child, key) =>
    keys?.has(key) ? DROP : without(child, marks),
  );
}
