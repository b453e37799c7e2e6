// `retain` (SPEC §7): keeps the selected nodes whole, plus the containers leading to them (holding only
// their on-path children, in order). Nothing selected leaves an empty container of the root's kind.

import { type CompiledPath, compilePath, type Marks, markSelected } from "./locate.ts";
import { DROP, isContainer, rebuildArray, rebuildObject } from "./own.ts";

export function compileRetain(sources: readonly string[]): (document: unknown) => unknown {
  const paths: readonly CompiledPath[] = sources.map(compilePath);
  return (document) => {
    const marks: Marks = new Map();
    if (markSelected(document, paths, marks)) return document;
    const kept = marks.size === 0 ? DROP : keep(document, marks);
    if (kept !== DROP) return kept;
    if (Array.isArray(document)) return [];
    return isContainer(document) ? {} : null;
  };
}

// The part of `node` on the way to a selected slot, or DROP when no selected slot lies below it.
function keep(node: unknown, marks: Marks): unknown {
  if (!isContainer(node)) return DROP;
  const keys = marks.get(node);
  let count = 0;
  const visit = (child: unknown, selected: boolean): unknown => {
    const next = selected ? child : keep(child, marks);
    if (next !== DROP) count++;
    return next;
  };
  const result = Array.isArray(node)
    ? rebuildArray(node, (child, index) => visit(child, keys?.has(index) === true))
    : rebuildObject(node as Record<string, unknown>, (child, key) => visit(child, keys?.has(key) === true));
  return count === 0 ? DROP : result;
}
