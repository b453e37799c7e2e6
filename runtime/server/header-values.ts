// Upstream response header values as strings. undici hands each value over as a Buffer, and turning one
// into a string is a call into C++ that allocates: about 700 instructions per value (callgrind), 3.5k for
// an ordinary five-header response. Most values repeat from one response to the next (a content type,
// a length, `keep-alive`, a Date that changes once a second), so recent values are remembered by their
// bytes and a repeated one comes back as the same string after a byte comparison.
//
// The memo holds header values only, never a request's data, and answers a value only for exactly the
// same bytes, so a string it returns is the one the bytes spell.
import { Buffer } from "node:buffer";

// biome-ignore lint/suspicious/noConstEnum: inlined by esbuild (see ../ascii.ts)
const enum Memo {
  /** Remembered values (a power of two: the slot is a masked hash). */
  Slots = 128,
  /** Longest value remembered, in bytes; longer ones are converted every time. */
  Width = 48,
}

// Direct-mapped: a value's slot comes from its length and three of its bytes, and a new value replaces
// the slot's old one. Values that change (a Date, a length) mostly replace their own earlier selves.
const memoBytes = new Uint8Array(Memo.Slots * Memo.Width);
const memoLengths = new Int32Array(Memo.Slots);
const memoTexts: string[] = new Array<string>(Memo.Slots).fill("");

/** The latin1 string of a response header value's bytes (RFC 9110 §5.5: field values are octets). */
export function headerValueText(raw: Buffer): string {
  const length = raw.length;
  if (length === 0) return "";
  if (length > Memo.Width) return latin1(raw);
  const slot = (length * 7 + raw[0]! * 3 + raw[length >> 1]! * 5 + raw[length - 1]!) & (Memo.Slots - 1);
  // Module bindings in locals: bundled, each is a mutable slot TurboFan would reload every iteration.
  const bytes = memoBytes;
  const base = slot * Memo.Width;
  if (memoLengths[slot] === length) {
    // Four bytes a round: TurboFan checks both arrays' maps and bounds once per loop iteration.
    let index = 0;
    const whole = length & ~3;
    while (
      index < whole &&
      bytes[base + index] === raw[index] &&
      bytes[base + index + 1] === raw[index + 1] &&
      bytes[base + index + 2] === raw[index + 2] &&
      bytes[base + index + 3] === raw[index + 3]
    )
      index += 4;
    if (index === whole) {
      while (index < length && bytes[base + index] === raw[index]) index++;
      if (index === length) return memoTexts[slot]!;
    }
  }
  const text = latin1(raw);
  bytes.set(raw, base);
  memoLengths[slot] = length;
  memoTexts[slot] = text;
  return text;
}

interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

/**
 * toString("latin1") through the binding behind it, `latin1Slice` (undocumented, in Node since v0.x),
 * without the argument handling around it: 0.7k fewer instructions per 5-header response (callgrind).
 * A Node without it gets toString.
 */
const latin1: (bytes: Buffer) => string =
  typeof (Buffer.prototype as Partial<Latin1Sliceable>).latin1Slice === "function"
    ? (bytes) => (bytes as unknown as Latin1Sliceable).latin1Slice(0, bytes.length)
    : (bytes) => bytes.toString("latin1");
