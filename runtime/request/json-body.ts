// Strict JSON (RFC 8259) for body rules (SPEC §5). Hand-written rather than JSON.parse because JSON.parse
// silently keeps the last of duplicate keys, and the upstream may keep the first: that is ambiguous.

export type BodyParseFailure = "invalid-json" | "duplicate-key" | "too-deep" | "invalid-utf8";

export type BodyParse = { ok: true; value: unknown } | { ok: false; reason: BodyParseFailure };

// ignoreBOM keeps a leading U+FEFF in the text so that it is refused like any other stray character.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Thrown (not an Error: no stack capture) to unwind the recursive descent.
class Failure {
  constructor(readonly reason: BodyParseFailure) {}
}

const INVALID = new Failure("invalid-json");
const DUPLICATE = new Failure("duplicate-key");
const TOO_DEEP = new Failure("too-deep");

function skipDigits(text: string, start: number): number {
  let pos = start;
  for (let c = text.charCodeAt(pos); c >= 0x30 && c <= 0x39; c = text.charCodeAt(pos)) pos++;
  return pos;
}

// The one-character escapes of RFC 8259 §7.
function simpleEscape(e: string | undefined): string | undefined {
  switch (e) {
    case '"':
    case "\\":
    case "/":
      return e;
    case "b":
      return "\b";
    case "f":
      return "\f";
    case "n":
      return "\n";
    case "r":
      return "\r";
    case "t":
      return "\t";
    default:
      return undefined;
  }
}

/**
 * Parses a JSON text. `maxDepth` bounds nesting: a scalar is depth 0, `[]` depth 1, `[[]]` depth 2.
 * A number too large for a double (`1e400`) is refused as invalid-json: it would otherwise become
 * Infinity, whose JSON text (`null`) differs from what the upstream reads.
 */
export function parseJsonBody(input: string | Uint8Array, maxDepth = 64): BodyParse {
  let text: string;
  if (typeof input === "string") text = input;
  else {
    try {
      text = decoder.decode(input);
    } catch {
      return { ok: false, reason: "invalid-utf8" };
    }
  }
  const parser = new Parser(text, maxDepth);
  try {
    parser.skipWhitespace();
    const value = parser.value(0);
    parser.skipWhitespace();
    if (parser.pos !== text.length) throw INVALID;
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Failure) return { ok: false, reason: e.reason };
    // Only reachable with a maxDepth too large for the call stack.
    if (e instanceof RangeError) return { ok: false, reason: "too-deep" };
    throw e;
  }
}

class Parser {
  pos = 0;

  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  value(depth: number): unknown {
    const text = this.text;
    const c = text[this.pos];
    switch (c) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        return this.number();
    }
  }

  literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw INVALID;
    this.pos += word.length;
    return value;
  }

  number(): number {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    // int = "0" / digit1-9 *DIGIT: no leading zeros, no "+", at least one digit (RFC 8259 §6).
    if (text.charCodeAt(pos) === 0x30) pos++;
    else {
      const end = skipDigits(text, pos);
      if (end === pos) throw INVALID;
      pos = end;
    }
    if (text.charCodeAt(pos) === 0x2e) {
      const end = skipDigits(text, pos + 1);
      if (end === pos + 1) throw INVALID;
      pos = end;
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      const end = skipDigits(text, pos);
      if (end === pos) throw INVALID;
      pos = end;
    }
    const value = Number(text.slice(start, pos));
    if (!Number.isFinite(value)) throw INVALID;
    this.pos = pos;
    return value;
  }

  string(): string {
    const text = this.text;
    let pos = this.pos + 1;
    let start = pos;
    let out = "";
    for (;;) {
      if (pos >= text.length) throw INVALID;
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      // RFC 8259 §7: control characters must be escaped.
      if (c < 0x20) throw INVALID;
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      const e = text[pos + 1];
      if (e === "u") {
        const hex = text.slice(pos + 2, pos + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw INVALID;
        // Lone surrogates are allowed by the grammar (RFC 8259 §8.2) and kept as is.
        out += String.fromCharCode(Number.parseInt(hex, 16));
        pos += 6;
      } else {
        const decoded = simpleEscape(e);
        if (decoded === undefined) throw INVALID;
        out += decoded;
        pos += 2;
      }
      start = pos;
    }
    this.pos = pos + 1;
    return out + text.slice(start, pos);
  }

  array(depth: number): unknown[] {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.pos++;
    const result: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "]") return result;
      if (c !== ",") throw INVALID;
    }
  }

  object(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.pos++;
    const result: Record<string, unknown> = {};
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') throw INVALID;
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos++] !== ":") throw INVALID;
      this.skipWhitespace();
      const value = this.value(depth);
      // Keys are compared after unescaping, so {"a":1,"\u0061":2} is a duplicate.
      if (Object.hasOwn(result, key)) throw DUPLICATE;
      if (key === "__proto__") {
        // Plain assignment would set the prototype instead of creating an own property.
        Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      } else result[key] = value;
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "}") return result;
      if (c !== ",") throw INVALID;
    }
  }
}

/**
 * How a scalar is matched by a body rule (SPEC §4): a string as its value, other scalars as their JSON
 * text (`12`, `true`, `null`). Objects, arrays and anything non-JSON are not matchable: null.
 * Integers are written in plain digits even from 1e21 up, where JSON.stringify switches to `1e+21`:
 * otherwise `{"amount": 1e30}` would slip past a rule such as `^[0-9]{5,}$`.
 */
export function jsonText(value: unknown): string | null {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) return null;
      return Math.abs(value) >= 1e21 ? BigInt(value).toString() : JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return value === null ? "null" : null;
    default:
      return null;
  }
}
