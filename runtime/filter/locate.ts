// Finds where a filter's JSONPaths point, as (container, key) pairs rather than values: a selected string
// or number has no identity of its own, and destroy/retain need to know which slot to drop or keep.
// Selection follows runtime/request/json-path.ts exactly (own properties only, RFC 9535 descendants).

import { type JsonPathSegment, parseJsonPath } from "../request/json-path.ts";

export type CompiledPath = readonly JsonPathSegment[];

/** The selected slots: container → keys (property names of objects, indexes of arrays). */
export type Marks = Map<object, Set<string | number>>;

/** Parses once at start-up; a path the compiler let through but that does not parse is a broken bundle. */
export function compilePath(source: string): CompiledPath {
  const result = parseJsonPath(source);
  if (!result.ok) throw new Error(`invalid filter path \`${source}\`: ${result.message} at ${result.offset}`);
  return result.segments;
}

/** Marks every slot that `paths` select in `root`; returns true when one of them selects `$` itself. */
export function markSelected(root: unknown, paths: readonly CompiledPath[], marks: Marks): boolean {
  let rootSelected = false;
  for (const segments of paths) {
    if (segments.length === 0) rootSelected = true;
    else walk(root, segments, 0, marks);
  }
  return rootSelected;
}

// Applies segments[i] to the children of `node`.
function walk(node: unknown, segments: CompiledPath, i: number, marks: Marks): void {
  if (typeof node !== "object" || node === null) return;
  const segment = segments[i]!;
  switch (segment.kind) {
    case "child":
      if (!Array.isArray(node) && Object.hasOwn(node, segment.name)) {
        hit(node, segment.name, (node as Record<string, unknown>)[segment.name], segments, i, marks);
      }
      return;
    case "index":
      if (Array.isArray(node) && segment.index < node.length) {
        hit(node, segment.index, node[segment.index], segments, i, marks);
      }
      return;
    case "wildcard":
      hitAll(node, segments, i, marks);
      return;
    case "descendant":
      if (!Array.isArray(node) && Object.hasOwn(node, segment.name)) {
        hit(node, segment.name, (node as Record<string, unknown>)[segment.name], segments, i, marks);
      }
      descend(node, segments, i, marks);
      return;
    case "descendant-wildcard":
      hitAll(node, segments, i, marks);
      descend(node, segments, i, marks);
      return;
  }
}

// segments[i] selected node[key]: either it is the final slot or the rest of the path continues below it.
function hit(
  node: object,
  key: string | number,
  child: unknown,
  segments: CompiledPath,
  i: number,
  marks: Marks,
): void {
  if (i + 1 < segments.length) {
    walk(child, segments, i + 1, marks);
    return;
  }
  let keys = marks.get(node);
  if (keys === undefined) {
    keys = new Set();
    marks.set(node, keys);
  }
  keys.add(key);
}

function hitAll(node: object, segments: CompiledPath, i: number, marks: Marks): void {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) hit(node, index, node[index], segments, i, marks);
  } else {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) hit(node, key, record[key], segments, i, marks);
  }
}

// A descendant segment is applied again at every container below `node`.
function descend(node: object, segments: CompiledPath, i: number, marks: Marks): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, segments, i, marks);
  } else {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) walk(record[key], segments, i, marks);
  }
}
