// Request ids: random version 4 UUIDs (RFC 9562 §5.4). crypto.randomUUID builds each id from
// about twenty string concatenations (~0.6 KB of garbage per request, measured with the gate's
// allocation probe). Here ids are made 256 at a time from one fill of the same CSPRNG: their
// text is written into one buffer and decoded once, and each request takes a slice of it.
import { Buffer } from "node:buffer";
import { randomFillSync } from "node:crypto";
import { Ascii } from "../ascii.ts";

const IDS_PER_FILL = 256;
const ID_LENGTH = 36;
const random = Buffer.alloc(16 * IDS_PER_FILL);
const text = Buffer.alloc(ID_LENGTH * IDS_PER_FILL);
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");
let batch = "";
let nextId = IDS_PER_FILL;

export function newRequestId(): string {
  if (nextId === IDS_PER_FILL) {
    batch = fill();
    nextId = 0;
  }
  const at = nextId++ * ID_LENGTH;
  return batch.slice(at, at + ID_LENGTH);
}

function fill(): string {
  // Locals, not the module's bindings: TurboFan checks them once, not per access.
  const bytes = randomFillSync(random);
  const out = text;
  const digits = HEX_DIGITS;
  for (let id = 0; id < IDS_PER_FILL; id++) {
    const from = id * 16;
    bytes[from + 6] = (bytes[from + 6]! & 0x0f) | 0x40; // version 4
    bytes[from + 8] = (bytes[from + 8]! & 0x3f) | 0x80; // variant 10
    writeId(bytes, from, out, id * ID_LENGTH, digits);
  }
  return out.toString("latin1");
}

/**
 * One id's 8-4-4-4-12 text from 16 random bytes, written straight through: in a loop, TurboFan checks
 * both arrays' maps and bounds on every iteration (about 28 instructions per character, callgrind).
 */
function writeId(bytes: Uint8Array, from: number, out: Uint8Array, to: number, digits: Uint8Array): void {
  writeHexByte(out, to, bytes[from]!, digits);
  writeHexByte(out, to + 2, bytes[from + 1]!, digits);
  writeHexByte(out, to + 4, bytes[from + 2]!, digits);
  writeHexByte(out, to + 6, bytes[from + 3]!, digits);
  out[to + 8] = Ascii.Minus;
  writeHexByte(out, to + 9, bytes[from + 4]!, digits);
  writeHexByte(out, to + 11, bytes[from + 5]!, digits);
  out[to + 13] = Ascii.Minus;
  writeHexByte(out, to + 14, bytes[from + 6]!, digits);
  writeHexByte(out, to + 16, bytes[from + 7]!, digits);
  out[to + 18] = Ascii.Minus;
  writeHexByte(out, to + 19, bytes[from + 8]!, digits);
  writeHexByte(out, to + 21, bytes[from + 9]!, digits);
  out[to + 23] = Ascii.Minus;
  writeHexByte(out, to + 24, bytes[from + 10]!, digits);
  writeHexByte(out, to + 26, bytes[from + 11]!, digits);
  writeHexByte(out, to + 28, bytes[from + 12]!, digits);
  writeHexByte(out, to + 30, bytes[from + 13]!, digits);
  writeHexByte(out, to + 32, bytes[from + 14]!, digits);
  writeHexByte(out, to + 34, bytes[from + 15]!, digits);
}

/** A byte as two lower-case hex digits; small, so that TurboFan inlines all sixteen into writeId. */
function writeHexByte(out: Uint8Array, to: number, byte: number, digits: Uint8Array): void {
  out[to] = digits[byte >> 4]!;
  out[to + 1] = digits[byte & 0x0f]!;
}
