// A policy source file and how to turn a location inside its document into a Span.
import type { Span } from "../ir/index.ts";

export type DocumentPath = readonly (string | number)[];

export interface SourceFile {
  /** Path as shown to users (relative to the working directory when possible). */
  readonly path: string;
  readonly absolutePath: string;
  /** Path relative to the policy root, used for the revision digest. */
  readonly relativePath: string;
  readonly text: string;
  readonly kind: "json" | "ts";
}

export interface PolicySource {
  readonly file: SourceFile;
  readonly document: unknown;
  /** The span of the value (or, with `key`, the property name) at `path` in the document. */
  locate(path: DocumentPath, part?: "key" | "value"): Span;
  /** The span of raw text at `offset` in the file. */
  spanAt(offset: number, length: number): Span;
}

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let index = 0; index < text.length; index++) {
      if (text.charCodeAt(index) === 10) this.starts.push(index + 1);
    }
  }

  span(file: string, offset: number, length: number): Span {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { file, line: low + 1, column: offset - this.starts[low]! + 1, offset, length };
  }
}

/** A span for a whole file, when nothing more precise is known. */
export function fileSpan(file: string): Span {
  return { file, line: 1, column: 1, offset: 0, length: 0 };
}

/** The value at `path` inside a plain document, or undefined. */
export function valueAt(document: unknown, path: DocumentPath): unknown {
  let node: unknown = document;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    if (!Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
