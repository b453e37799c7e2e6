// `destroy` applied to the response text itself (SPEC §7), for plans made only of destroy filters whose
// paths use names and wildcards. Under load, JSON.parse plus JSON.stringify of even a small body cost
// several µs (perf on the gateway benchmark); one pass over the text copies what stays and cuts what goes.
//
// The answer is exactly JSON.stringify(plan.apply(JSON.parse(text))), or undefined wherever that is not
// certain: invalid JSON (the general path refuses it), duplicate keys (JSON.parse keeps the last),
// escaped keys (one could spell another), integer-like keys (V8 orders them first), nesting deeper than
// 64 or objects of more than 64 keys (./text-pass.ts), bytes that are not well-formed UTF-8 (the general
// path decodes those with replacement characters). Whitespace is dropped, and numbers and escaped string
// values are rewritten the way JSON.stringify writes them.
//
// Why a union of paths is enough: with names and wildcards only, removing one node never moves another
// path's target, so the stages' destroy filters, run one after the other, remove the union of their nodes.

import { Buffer, isUtf8 } from "node:buffer";
import type { CompiledPath } from "./locate.ts";
import { binary, type CutState, cutText } from "./text-pass.ts";

/** One step of the paths' trie: children by name, the wildcard's child, and whether a path ends here. */
interface TrieNode {
  readonly names: Map<string, TrieNode>;
  any: TrieNode | null;
  drop: boolean;
}

/** States with more names than this look keys up in a Map rather than comparing them in place. */
const SCANNED_NAMES = 8;

/**
 * The trie nodes a position in the document is at. A member's state depends only on whether its key is one
 * of the nodes' names (and which), so the transitions are few and each is built once.
 */
class PathState implements CutState {
  readonly drop: boolean;
  /** The trie's names as UTF-8 bytes, compared with keys in place. */
  private readonly nameBytes: readonly Uint8Array[];
  /** The same names as written in the policy, for following the trie. */
  private readonly policyNames: readonly string[];
  private readonly named: (PathState | null | undefined)[];
  private readonly byName: Map<string, number> | null;
  private other: PathState | null | undefined;
  private elementState: PathState | null | undefined;

  constructor(private readonly nodes: readonly TrieNode[]) {
    this.drop = nodes.some((node) => node.drop);
    this.policyNames = [...new Set(nodes.flatMap((node) => [...node.names.keys()]))];
    this.nameBytes = this.policyNames.map((name) => Buffer.from(name, "utf8"));
    this.named = this.policyNames.map(() => undefined);
    this.byName =
      this.policyNames.length > SCANNED_NAMES
        ? new Map(this.policyNames.map((name, index) => [binary(name), index]))
        : null;
  }

  /** The state of the object member whose key is bytes[start, end); null when no path goes on through it. */
  member(bytes: Uint8Array, text: string, start: number, end: number): PathState | null {
    const index = this.nameIndex(bytes, text, start, end);
    if (index < 0) {
      if (this.other === undefined) this.other = this.follow(null);
      return this.other;
    }
    let next = this.named[index];
    if (next === undefined) {
      next = this.follow(this.policyNames[index]!);
      this.named[index] = next;
    }
    return next;
  }

  /** Which of the names bytes[start, end) is, or -1; compared in place while the names are few. */
  private nameIndex(bytes: Uint8Array, text: string, start: number, end: number): number {
    if (this.byName !== null) return this.byName.get(text.slice(start, end)) ?? -1;
    const names = this.nameBytes;
    const length = end - start;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (name.length === length && sameBytes(bytes, start, name)) return i;
    }
    return -1;
  }

  /** The state of every array element (only wildcards select elements here). */
  element(): PathState | null {
    if (this.elementState === undefined) this.elementState = this.follow(null);
    return this.elementState;
  }

  /** Where the nodes lead by `name` and by their wildcards (`name` null: by wildcards only). */
  private follow(name: string | null): PathState | null {
    const found: TrieNode[] = [];
    for (const node of this.nodes) {
      const named = name === null ? undefined : node.names.get(name);
      if (named !== undefined) found.push(named);
      if (node.any !== null) found.push(node.any);
    }
    return found.length === 0 ? null : new PathState(found);
  }
}

/** Whether bytes[start, start + name.length) is `name` (the caller has checked the length). */
function sameBytes(bytes: Uint8Array, start: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name[i]) return false;
  return true;
}

/**
 * The response's JSON text (UTF-8 bytes) to the filtered text as a binary string (its UTF-8 bytes read as
 * latin1, to be written with that encoding), or undefined where the general path must answer.
 */
export type TextDestroy = (text: Buffer) => string | undefined;

/** Null when a path uses what the text pass does not handle (indexes, descendants, the root itself). */
export function compileTextDestroy(paths: readonly CompiledPath[]): TextDestroy | null {
  const root: TrieNode = { names: new Map(), any: null, drop: false };
  for (const segments of paths) {
    if (segments.length === 0) return null;
    let node = root;
    for (const segment of segments) {
      if (segment.kind === "child") {
        // A name with a lone surrogate has no UTF-8 spelling to compare keys with.
        if (Buffer.from(segment.name, "utf8").toString("utf8") !== segment.name) return null;
        let next = node.names.get(segment.name);
        if (next === undefined) {
          next = { names: new Map(), any: null, drop: false };
          node.names.set(segment.name, next);
        }
        node = next;
      } else if (segment.kind === "wildcard") {
        node.any ??= { names: new Map(), any: null, drop: false };
        node = node.any;
      } else return null;
    }
    node.drop = true;
  }
  const state = new PathState([root]);
  return (text) => (isUtf8(text) ? cutText(text, text.toString("latin1"), state) : undefined);
}
