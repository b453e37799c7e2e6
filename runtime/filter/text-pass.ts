// One pass over JSON text that validates it, drops whitespace, rewrites what JSON.stringify would write
// differently (numbers such as 1.50 or -0, escaped strings), and cuts the members and elements a path
// state marks — the text equivalent of JSON.stringify(destroy(JSON.parse(text))).
//
// The text is a binary string: the response's UTF-8 bytes read as latin1, one character per byte. JSON's
// structure is all ASCII, so the pass reads it the same way, and its answer goes to the socket with the
// latin1 encoding, byte for byte: no UTF-8 decoding of the body, no measuring or encoding it again. The
// caller has checked that the bytes are well-formed UTF-8 (./destroy-text.ts), so they hold no lone
// surrogate, which JSON.stringify would escape.
//
// It is one loop with explicit stacks rather than recursive descent: per member, a recursive reader made
// a dozen calls TurboFan would not inline (about 150 instructions per character, callgrind). The pass
// is synchronous and not re-entrant, so its scratch state lives in this module.

/** What the pass needs of a path state (./destroy-text.ts). */
export interface CutState {
  /** Whether the member or element in this state is cut. */
  readonly drop: boolean;
  /** The state of the member whose key is text[start, end) (unescaped UTF-8, as a binary string). */
  member(text: string, start: number, end: number): CutState | null;
  element(): CutState | null;
}

/** Thrown inside the pass when the answer is not certain; never escapes it. */
const GIVE_UP = Symbol("give-up");

const MAX_DEPTH = 64;
/** Keys per object compared for duplicates; an object with more is left to the general path. */
const MAX_KEYS = 64;
/** Integers of at most this many characters are written by JSON.stringify exactly as they are. */
const EXACT_INTEGER_CHARS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

// Per open container (index: depth, 1-based): its state and whether it is written (not inside a cut),
// how many members were kept, the member's comma (-1 for the first), where the member began, and
// whether the member is cut; for objects, the keys read so far, as text positions from (depth - 1) ×
// MAX_KEYS in keyStarts and keyEnds.
const isObject = new Uint8Array(MAX_DEPTH + 1);
const states: (CutState | null)[] = new Array(MAX_DEPTH + 1).fill(null);
const emits = new Uint8Array(MAX_DEPTH + 1);
const keptCounts = new Int32Array(MAX_DEPTH + 1);
const commas = new Int32Array(MAX_DEPTH + 1);
const memberStarts = new Int32Array(MAX_DEPTH + 1);
const memberCut = new Uint8Array(MAX_DEPTH + 1);
const keysRead = new Int32Array(MAX_DEPTH + 1);
const keyStarts = new Int32Array(MAX_DEPTH * MAX_KEYS);
const keyEnds = new Int32Array(MAX_DEPTH * MAX_KEYS);

// The output: text before copyFrom is decided (copied into out, or cut); text after it is pending.
let out = "";
let copyFrom = 0;
/** The deepest container of the pass, for resetting `states`. */
let deepest = 0;
/** Whether the last string token read needs rewriting. */
let rewrite = false;

/** Replaces text[start, end) with `replacement` in the output. */
function cut(text: string, start: number, end: number, replacement: string): void {
  out += text.slice(copyFrom, start) + replacement;
  copyFrom = end;
}

/**
 * The filtered text (a binary string, as `text`), or undefined when the pass is not certain it matches the
 * general path (invalid JSON, a duplicate, escaped or integer-like key, deeper nesting or more keys than
 * the limits).
 */
export function cutText(text: string, root: CutState): string | undefined {
  out = "";
  copyFrom = 0;
  deepest = 0;
  try {
    pass(text, root);
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  } finally {
    states.fill(null, 0, deepest + 1); // no state outlives the pass
  }
  const result = copyFrom === 0 ? text : out + text.slice(copyFrom);
  out = "";
  return result;
}

function pass(text: string, root: CutState): void {
  let depth = 0;
  let state: CutState | null = root; // of the value about to be read
  let emit = true; // whether that value is written
  let pos = skipSpace(text, 0);
  if (pos > 0) cut(text, 0, pos, "");
  for (;;) {
    // A value at pos.
    const code = at(text, pos);
    if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH) throw GIVE_UP;
      if (depth > deepest) deepest = depth;
      const object = code === OPEN_OBJECT;
      isObject[depth] = object ? 1 : 0;
      states[depth] = state;
      emits[depth] = emit ? 1 : 0;
      keptCounts[depth] = 0;
      commas[depth] = -1;
      const start = pos + 1;
      pos = skipSpace(text, start);
      if (emit && pos !== start) cut(text, start, pos, "");
      if (at(text, pos) === (object ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        pos++;
        depth--;
      } else {
        const next = object ? member(text, pos, depth, 0) : element(text, pos, depth);
        pos = next.pos;
        state = next.state;
        emit = next.emit;
        continue;
      }
    } else if (code === QUOTE) {
      const start = pos;
      pos = stringEnd(text, pos);
      if (emit && rewrite) {
        const source = text.slice(start, pos);
        const written = binary(JSON.stringify(JSON.parse(fromBinary(source)) as string));
        if (written !== source) cut(text, start, pos, written);
      }
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      pos = numberEnd(text, pos, emit);
    } else pos = literalEnd(text, pos);

    // After a value: the end of the text, or the next member or element, or the container's end.
    for (;;) {
      if (depth === 0) {
        const end = skipSpace(text, pos);
        if (end !== text.length) throw GIVE_UP;
        if (end !== pos) cut(text, pos, end, "");
        return;
      }
      if (memberCut[depth] === 1) cut(text, memberStarts[depth]!, pos, "");
      const written = emits[depth] === 1;
      const start = pos;
      pos = skipSpace(text, pos);
      if (written && pos !== start) cut(text, start, pos, "");
      const next = at(text, pos);
      if (next === COMMA) {
        commas[depth] = pos;
        pos = skipSpace(text, pos + 1); // cut or kept with the member
        break;
      }
      if (next !== (isObject[depth] === 1 ? CLOSE_OBJECT : CLOSE_ARRAY)) throw GIVE_UP;
      pos++;
      states[depth] = null;
      depth--;
    }
    const next =
      isObject[depth] === 1 ? member(text, pos, depth, keysRead[depth]!) : element(text, pos, depth);
    pos = next.pos;
    state = next.state;
    emit = next.emit;
  }
}

/** The next value to read: where it starts, its state, and whether it is written. */
interface NextValue {
  pos: number;
  state: CutState | null;
  emit: boolean;
}

const nextValue: NextValue = { pos: 0, state: null, emit: false };

/** Reads an object member's key and colon at `pos`; the value follows. */
function member(text: string, pos: number, depth: number, index: number): NextValue {
  if (at(text, pos) !== QUOTE) throw GIVE_UP;
  const keyStart = pos;
  pos = stringEnd(text, pos);
  const written = emits[depth] === 1;
  if (written) {
    if (rewrite) throw GIVE_UP; // an escaped key could spell another key differently
    checkKey(text, keyStart + 1, pos - 1, depth, index);
  }
  keysRead[depth] = index + 1;
  const container = states[depth]!;
  const state = container === null ? null : container.member(text, keyStart + 1, pos - 1);
  const isCut = written && state?.drop === true;
  const emit = written && !isCut;
  const comma = commas[depth]!;
  memberCut[depth] = isCut ? 1 : 0;
  memberStarts[depth] = comma >= 0 ? comma : keyStart;
  if (emit) keep(text, depth, keyStart);
  let start = pos;
  pos = skipSpace(text, pos);
  if (emit && pos !== start) cut(text, start, pos, "");
  if (at(text, pos) !== COLON) throw GIVE_UP;
  start = ++pos;
  pos = skipSpace(text, pos);
  if (emit && pos !== start) cut(text, start, pos, "");
  nextValue.pos = pos;
  nextValue.state = isCut ? null : state;
  nextValue.emit = emit;
  return nextValue;
}

/** An array element at `pos`. */
function element(text: string, pos: number, depth: number): NextValue {
  const written = emits[depth] === 1;
  const container = states[depth]!;
  const state = container === null ? null : container.element();
  const isCut = written && state?.drop === true;
  const comma = commas[depth]!;
  memberCut[depth] = isCut ? 1 : 0;
  memberStarts[depth] = comma >= 0 ? comma : pos;
  if (written && !isCut) keep(text, depth, pos);
  nextValue.pos = pos;
  nextValue.state = isCut ? null : state;
  nextValue.emit = written && !isCut;
  return nextValue;
}

/**
 * A member or element at `start` stays. Its comma goes when everything before it was cut; the whitespace
 * after the comma goes always.
 */
function keep(text: string, depth: number, start: number): void {
  const comma = commas[depth]!;
  if (comma >= 0) {
    if (keptCounts[depth] === 0) cut(text, comma, start, "");
    else if (start !== comma + 1) cut(text, comma + 1, start, "");
  }
  keptCounts[depth]!++;
}

/** Gives up on an integer-like key (V8 orders those first), a duplicate (JSON.parse keeps the last), or too many keys. */
function checkKey(text: string, start: number, end: number, depth: number, index: number): void {
  const first = at(text, start);
  if (first >= ZERO && first <= NINE) throw GIVE_UP;
  if (index >= MAX_KEYS) throw GIVE_UP;
  const base = (depth - 1) * MAX_KEYS;
  const length = end - start;
  for (let i = base; i < base + index; i++) {
    const other = keyStarts[i]!;
    if (keyEnds[i]! - other === length && at(text, other) === first && sameText(text, other, start, length)) {
      throw GIVE_UP;
    }
  }
  keyStarts[base + index] = start;
  keyEnds[base + index] = end;
}

/**
 * The code unit at `pos`, or -1 past the end. Reading past the end with charCodeAt deoptimizes, and the
 * re-optimized code calls a builtin for every character.
 */
function at(text: string, pos: number): number {
  return pos < text.length ? text.charCodeAt(pos) : -1;
}

/** A string's UTF-8 bytes as a binary string. */
export function binary(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

function fromBinary(text: string): string {
  return Buffer.from(text, "latin1").toString("utf8");
}

function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (at(text, a + i) !== at(text, b + i)) return false;
  return true;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, pos: number): number {
  while (isSpace(at(text, pos))) pos++;
  return pos;
}

/** Past the string token at `pos`, validated; sets `rewrite` when it holds an escape. */
function stringEnd(text: string, pos: number): number {
  pos++;
  let needsRewrite = false;
  for (;;) {
    const code = at(text, pos);
    if (code === QUOTE) break;
    if (code < 0x20) throw GIVE_UP; // a raw control character, or the text ended (-1)
    if (code === BACKSLASH) {
      needsRewrite = true;
      pos = escapeEnd(text, pos);
      continue;
    }
    pos++;
  }
  rewrite = needsRewrite;
  return pos + 1;
}

/** Past the escape sequence at `pos` (a backslash), validated. */
function escapeEnd(text: string, pos: number): number {
  const kind = at(text, pos + 1);
  if (kind === 0x75) {
    for (let i = 2; i < 6; i++) {
      const hex = at(text, pos + i) | 0x20;
      if (!((hex >= ZERO && hex <= NINE) || (hex >= 0x61 && hex <= 0x66))) throw GIVE_UP;
    }
    return pos + 6;
  }
  // " \ / b f n r t
  if (
    kind === QUOTE ||
    kind === BACKSLASH ||
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
function numberEnd(text: string, start: number, emit: boolean): number {
  let pos = start;
  let exact = true;
  if (at(text, pos) === MINUS) pos++;
  const first = at(text, pos);
  if (first === ZERO) {
    pos++;
    if (pos - start > 1) exact = false; // "-0": JSON.stringify writes 0
  } else if (first > ZERO && first <= NINE) {
    pos = digitsEnd(text, pos);
  } else throw GIVE_UP;
  if (at(text, pos) === 0x2e) {
    exact = false;
    pos = digitsEnd(text, pos + 1);
  }
  const exponent = at(text, pos);
  if (exponent === 0x65 || exponent === 0x45) {
    exact = false;
    const sign = at(text, ++pos);
    if (sign === 0x2b || sign === MINUS) pos++;
    pos = digitsEnd(text, pos);
  }
  if (!emit || (exact && pos - start <= EXACT_INTEGER_CHARS)) return pos;
  const source = text.slice(start, pos);
  const parsed = Number(source);
  const written = Number.isFinite(parsed) ? String(parsed) : "null";
  if (written !== source) cut(text, start, pos, written);
  return pos;
}

/** Past one or more digits at `pos`. */
function digitsEnd(text: string, pos: number): number {
  let code = at(text, pos);
  if (!(code >= ZERO && code <= NINE)) throw GIVE_UP;
  do code = at(text, ++pos);
  while (code >= ZERO && code <= NINE);
  return pos;
}

function literalEnd(text: string, pos: number): number {
  if (text.startsWith("true", pos) || text.startsWith("null", pos)) return pos + 4;
  if (text.startsWith("false", pos)) return pos + 5;
  throw GIVE_UP;
}
