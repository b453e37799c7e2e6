// One pass over JSON text that validates it, drops whitespace, rewrites what JSON.stringify would write
// differently (numbers such as 1.50 or -0, escaped strings), and cuts the members and elements a path
// state marks — the text equivalent of JSON.stringify(destroy(JSON.parse(text))).
//
// The pass reads the response's UTF-8 bytes, and cuts a binary string of the same bytes (read as latin1,
// one character per byte). JSON's structure is all ASCII, so positions in one are positions in the other,
// and the answer goes to the socket with the latin1 encoding, byte for byte: no UTF-8 decoding of the
// body, no measuring or encoding it again. Bytes are read from the Uint8Array, not the string: charCodeAt
// dispatches on the string's representation for every character (callgrind, a loop that counts quotes
// in the benchmark's body: 22 instructions per byte of a Buffer against 32 per character of the string;
// the whole pass went from 16.4k to 12.3k instructions). The caller has checked that the bytes are
// well-formed UTF-8 (./destroy-text.ts), so they hold no lone surrogate, which JSON.stringify would escape.
//
// It is one loop with explicit stacks rather than recursive descent: per member, a recursive reader made
// a dozen calls TurboFan would not inline (about 150 instructions per character, callgrind). The pass
// is synchronous and not re-entrant, so its scratch state lives in this module.

import { Buffer } from "node:buffer";
import { Ascii } from "../ascii.ts";

/** What the pass needs of a path state (./destroy-text.ts). */
export interface CutState {
  /** Whether the member or element in this state is cut. */
  readonly drop: boolean;
  /** The state of the member whose key is bytes[start, end) (unescaped UTF-8); `text` is the binary string. */
  member(bytes: Uint8Array, text: string, start: number, end: number): CutState | null;
  element(): CutState | null;
}

/** Thrown inside the pass when the answer is not certain; never escapes it. */
const GIVE_UP = Symbol("give-up");

// biome-ignore lint/suspicious/noConstEnum: inlined by esbuild (see ../ascii.ts)
const enum Limit {
  Depth = 64,
  /** Keys per object compared for duplicates; an object with more is left to the general path. */
  // biome-ignore lint/suspicious/noDuplicateEnumValues: two limits that happen to be equal
  Keys = 64,
  /** Integers of at most this many characters are written by JSON.stringify exactly as they are. */
  ExactIntegerChars = 15,
}

// The open container's bookkeeping lives in locals of pass() (registers, once TurboFan has it), and is
// saved here, per depth, only while a nested container is open: reading a module's typed array costs
// about ten instructions of checks (callgrind), and a member touched eight of them. Per depth (0-based,
// the depth of the container whose locals are saved): whether it is an object, its state, whether it is
// written (not inside a cut), how many members were kept, the member's comma (-1 for the first), where
// the member began, whether the member is cut, and the keys read so far. An object's keys are text
// positions from (depth - 1) × Limit.Keys in keyStarts and keyEnds (depth 1-based there).
const isObject = new Uint8Array(Limit.Depth + 1);
const states: (CutState | null)[] = new Array(Limit.Depth + 1).fill(null);
const emits = new Uint8Array(Limit.Depth + 1);
const keptCounts = new Int32Array(Limit.Depth + 1);
const commas = new Int32Array(Limit.Depth + 1);
const memberStarts = new Int32Array(Limit.Depth + 1);
const memberCut = new Uint8Array(Limit.Depth + 1);
const keysRead = new Int32Array(Limit.Depth + 1);
const keyStarts = new Int32Array(Limit.Depth * Limit.Keys);
const keyEnds = new Int32Array(Limit.Depth * Limit.Keys);

// The output: text before copyFrom is decided (copied into out, or cut); text after it is pending.
/** The pass's binary string, which cuts slice. */
let source = "";
let out = "";
let copyFrom = 0;
/** The deepest container of the pass, for resetting `states`. */
let deepest = 0;
/** Whether the last string token read needs rewriting. */
let rewrite = false;

/** Replaces text[start, end) with `replacement` in the output. */
function cut(start: number, end: number, replacement: string): void {
  out += source.slice(copyFrom, start) + replacement;
  copyFrom = end;
}

/**
 * The filtered text (a binary string, as `text`), or undefined when the pass is not certain it matches the
 * general path (invalid JSON, a duplicate, escaped or integer-like key, deeper nesting or more keys than
 * the limits).
 */
export function cutText(bytes: Uint8Array, text: string, root: CutState): string | undefined {
  source = text;
  out = "";
  copyFrom = 0;
  deepest = 0;
  try {
    pass(bytes, text, root);
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  } finally {
    for (let depth = 0; depth <= deepest; depth++) states[depth] = null; // no state outlives the pass
  }
  const result = copyFrom === 0 ? text : out + text.slice(copyFrom);
  out = "";
  source = "";
  return result;
}

function pass(bytes: Uint8Array, text: string, root: CutState): void {
  // The open container (depth 0: none, the top-level value).
  let depth = 0;
  let inObject = false;
  let containerState: CutState | null = null;
  let containerEmit = true;
  let kept = 0;
  let comma = -1;
  let memberStart = 0;
  let memberIsCut = false;
  let keys = 0;

  let state: CutState | null = root; // of the value about to be read
  let emit = true; // whether that value is written
  // Whitespace is skipped through a call only where the next byte may be some (any byte up to a space):
  // compact JSON then costs one comparison per place, not a call (the pass is too large for TurboFan to
  // inline skipSpace into it).
  const length = bytes.length;
  let pos = skipSpace(bytes, 0);
  if (pos > 0) cut(0, pos, "");
  for (;;) {
    // A value at pos; `entered` when it opens a container that is not empty.
    let entered = false;
    const code = at(bytes, pos);
    if (code === Ascii.OpenBrace || code === Ascii.OpenBracket) {
      if (depth === Limit.Depth) throw GIVE_UP;
      isObject[depth] = inObject ? 1 : 0;
      states[depth] = containerState;
      emits[depth] = containerEmit ? 1 : 0;
      keptCounts[depth] = kept;
      commas[depth] = comma;
      memberStarts[depth] = memberStart;
      memberCut[depth] = memberIsCut ? 1 : 0;
      keysRead[depth] = keys;
      depth++;
      if (depth > deepest) deepest = depth;
      inObject = code === Ascii.OpenBrace;
      containerState = state;
      containerEmit = emit;
      kept = 0;
      comma = -1;
      memberIsCut = false;
      keys = 0;
      const start = pos + 1;
      if (start < length && bytes[start]! <= Ascii.Space) pos = skipSpace(bytes, start);
      else pos = start;
      if (emit && pos !== start) cut(start, pos, "");
      // An empty container is closed by the loop below, as any other; otherwise its first entry follows.
      entered = at(bytes, pos) !== (inObject ? Ascii.CloseBrace : Ascii.CloseBracket);
    } else if (code === Ascii.Quote) {
      const start = pos;
      pos = stringEnd(bytes, pos);
      if (emit && rewrite) {
        const token = text.slice(start, pos);
        const written = binary(JSON.stringify(JSON.parse(fromBinary(token)) as string));
        if (written !== token) cut(start, pos, written);
      }
    } else if (code === Ascii.Minus || (code >= Ascii.Zero && code <= Ascii.Nine)) {
      pos = numberEnd(bytes, pos, emit);
    } else pos = literalEnd(bytes, pos);

    // After a value: the end of the text, or the next member or element, or the container's end.
    while (!entered) {
      if (depth === 0) {
        const end = skipSpace(bytes, pos);
        if (end !== bytes.length) throw GIVE_UP;
        if (end !== pos) cut(pos, end, "");
        return;
      }
      if (memberIsCut) cut(memberStart, pos, "");
      const start = pos;
      if (pos < length && bytes[pos]! <= Ascii.Space) pos = skipSpace(bytes, pos);
      if (containerEmit && pos !== start) cut(start, pos, "");
      const next = at(bytes, pos);
      if (next === Ascii.Comma) {
        comma = pos;
        pos++;
        if (pos < length && bytes[pos]! <= Ascii.Space) pos = skipSpace(bytes, pos); // cut or kept with the member
        break;
      }
      if (next !== (inObject ? Ascii.CloseBrace : Ascii.CloseBracket)) throw GIVE_UP;
      pos++;
      depth--;
      inObject = isObject[depth] === 1;
      containerState = states[depth]!;
      containerEmit = emits[depth] === 1;
      kept = keptCounts[depth]!;
      comma = commas[depth]!;
      memberStart = memberStarts[depth]!;
      memberIsCut = memberCut[depth] === 1;
      keys = keysRead[depth]!;
    }

    // The next member (its key and colon) or element at pos: its state, and whether it is written.
    const entryStart = pos;
    if (inObject) {
      if (at(bytes, pos) !== Ascii.Quote) throw GIVE_UP;
      pos = stringEnd(bytes, pos);
      if (containerEmit) {
        if (rewrite) throw GIVE_UP; // an escaped key could spell another key differently
        checkKey(bytes, entryStart + 1, pos - 1, depth, keys);
      }
      keys++;
      state = containerState === null ? null : containerState.member(bytes, text, entryStart + 1, pos - 1);
    } else state = containerState === null ? null : containerState.element();
    memberIsCut = containerEmit && state?.drop === true;
    emit = containerEmit && !memberIsCut;
    if (memberIsCut) state = null;
    memberStart = comma >= 0 ? comma : entryStart;
    if (emit) {
      // It stays. Its comma goes when everything before it was cut; the whitespace after the comma always.
      if (comma >= 0) {
        if (kept === 0) cut(comma, entryStart, "");
        else if (entryStart !== comma + 1) cut(comma + 1, entryStart, "");
      }
      kept++;
    }
    if (inObject) {
      let start = pos;
      if (pos < length && bytes[pos]! <= Ascii.Space) pos = skipSpace(bytes, pos);
      if (emit && pos !== start) cut(start, pos, "");
      if (at(bytes, pos) !== Ascii.Colon) throw GIVE_UP;
      start = ++pos;
      if (pos < length && bytes[pos]! <= Ascii.Space) pos = skipSpace(bytes, pos);
      if (emit && pos !== start) cut(start, pos, "");
    }
  }
}

/** Gives up on an integer-like key (V8 orders those first), a duplicate (JSON.parse keeps the last), or too many keys. */
function checkKey(bytes: Uint8Array, start: number, end: number, depth: number, index: number): void {
  const first = at(bytes, start);
  if (first >= Ascii.Zero && first <= Ascii.Nine) throw GIVE_UP;
  if (index >= Limit.Keys) throw GIVE_UP;
  const base = (depth - 1) * Limit.Keys;
  const length = end - start;
  for (let i = base; i < base + index; i++) {
    const other = keyStarts[i]!;
    if (
      keyEnds[i]! - other === length &&
      at(bytes, other) === first &&
      sameText(bytes, other, start, length)
    ) {
      throw GIVE_UP;
    }
  }
  keyStarts[base + index] = start;
  keyEnds[base + index] = end;
}

/** The byte at `pos`, or -1 past the end (a read past a typed array's end would deoptimize). */
function at(bytes: Uint8Array, pos: number): number {
  return pos < bytes.length ? bytes[pos]! : -1;
}

/** A string's UTF-8 bytes as a binary string. */
export function binary(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

function fromBinary(text: string): string {
  return Buffer.from(text, "latin1").toString("utf8");
}

function sameText(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (at(bytes, a + i) !== at(bytes, b + i)) return false;
  return true;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(bytes: Uint8Array, pos: number): number {
  while (isSpace(at(bytes, pos))) pos++;
  return pos;
}

/** Past the string token at `pos`, validated; sets `rewrite` when it holds an escape. */
function stringEnd(bytes: Uint8Array, pos: number): number {
  pos++;
  let needsRewrite = false;
  for (;;) {
    const code = at(bytes, pos);
    if (code === Ascii.Quote) break;
    if (code < 0x20) throw GIVE_UP; // a raw control character, or the text ended (-1)
    if (code === Ascii.Backslash) {
      needsRewrite = true;
      pos = escapeEnd(bytes, pos);
      continue;
    }
    pos++;
  }
  rewrite = needsRewrite;
  return pos + 1;
}

/** Past the escape sequence at `pos` (a backslash), validated. */
function escapeEnd(bytes: Uint8Array, pos: number): number {
  const kind = at(bytes, pos + 1);
  if (kind === 0x75) {
    for (let i = 2; i < 6; i++) {
      const hex = at(bytes, pos + i) | 0x20;
      if (!((hex >= Ascii.Zero && hex <= Ascii.Nine) || (hex >= 0x61 && hex <= 0x66))) throw GIVE_UP;
    }
    return pos + 6;
  }
  // " \ / b f n r t
  if (
    kind === Ascii.Quote ||
    kind === Ascii.Backslash ||
    kind === 0x2f ||
    kind === 0x62 ||
    kind === 0x66 ||
    kind === 0x6e ||
    kind === 0x72 ||
    kind === 0x74
  ) {
    return pos + 2;
  }
  throw GIVE_UP;
}

/** Past the number at `pos`, validated, and rewritten as JSON.stringify writes it when `emit`. */
function numberEnd(bytes: Uint8Array, start: number, emit: boolean): number {
  let pos = start;
  let exact = true;
  if (at(bytes, pos) === Ascii.Minus) pos++;
  const first = at(bytes, pos);
  if (first === Ascii.Zero) {
    pos++;
    if (pos - start > 1) exact = false; // "-0": JSON.stringify writes 0
  } else if (first > Ascii.Zero && first <= Ascii.Nine) {
    pos = digitsEnd(bytes, pos);
  } else throw GIVE_UP;
  if (at(bytes, pos) === 0x2e) {
    exact = false;
    pos = digitsEnd(bytes, pos + 1);
  }
  const exponent = at(bytes, pos);
  if (exponent === 0x65 || exponent === 0x45) {
    exact = false;
    const sign = at(bytes, ++pos);
    if (sign === 0x2b || sign === Ascii.Minus) pos++;
    pos = digitsEnd(bytes, pos);
  }
  if (!emit || (exact && pos - start <= Limit.ExactIntegerChars)) return pos;
  const number = source.slice(start, pos);
  const parsed = Number(number);
  const written = Number.isFinite(parsed) ? String(parsed) : "null";
  if (written !== number) cut(start, pos, written);
  return pos;
}

/** Past one or more digits at `pos`. */
function digitsEnd(bytes: Uint8Array, pos: number): number {
  let code = at(bytes, pos);
  if (!(code >= Ascii.Zero && code <= Ascii.Nine)) throw GIVE_UP;
  do code = at(bytes, ++pos);
  while (code >= Ascii.Zero && code <= Ascii.Nine);
  return pos;
}

const TRUE = Buffer.from("true", "latin1");
const FALSE = Buffer.from("false", "latin1");
const NULL = Buffer.from("null", "latin1");

function literalEnd(bytes: Uint8Array, pos: number): number {
  const first = at(bytes, pos);
  const word =
    first === Ascii.LowerT ? TRUE : first === Ascii.LowerF ? FALSE : first === Ascii.LowerN ? NULL : null;
  if (word === null || pos + word.length > bytes.length) throw GIVE_UP;
  for (let index = 1; index < word.length; index++) if (bytes[pos + index] !== word[index]) throw GIVE_UP;
  return pos + word.length;
}
