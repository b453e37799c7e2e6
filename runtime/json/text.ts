// JSON text written in JavaScript, the same text JSON.stringify writes, for the decision record's
// serialiser (../observe/record-json.ts). Node 20's V8 pays a fixed cost per JSON.stringify call, per
// object and per property, and about 150 ns per fractional number. What makes a record cheaper here is
// its constant keys and remembered ids; on a generic document plainDataJson costs more instructions than
// JSON.stringify (8.6k against 6.6k on the gateway benchmark's response body, callgrind), so response
// bodies keep JSON.stringify.

/** What JSON.stringify escapes in a string: quote, backslash, control characters and surrogates. */
const MUST_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function stringJson(value: string): string {
  return MUST_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** Thousandths below this are written from integers; beyond, doubles are too sparse to be sure. */
const LARGEST_THOUSANDTHS = 1e12;

export function numberJson(value: number): string {
  if (!Number.isFinite(value)) return "null"; // as JSON.stringify
  if (Number.isInteger(value)) return String(value);
  const thousandths = Math.round(value * 1000);
  if (thousandths / 1000 !== value || thousandths <= 0 || thousandths >= LARGEST_THOUSANDTHS) {
    return String(value);
  }
  const whole = Math.floor(thousandths / 1000);
  let fraction = thousandths - whole * 1000; // 1…999: value is not an integer
  let digits = 3;
  while (fraction % 10 === 0) {
    fraction /= 10;
    digits--;
  }
  return `${whole}.${String(fraction).padStart(digits, "0")}`;
}

/** Deeper values are handed to JSON.stringify whole, which also reports cycles as it always has. */
const MAX_DEPTH = 8;

/**
 * JSON.stringify(value) for plain data (what JSON.parse returns, and copies of it); undefined where
 * JSON.stringify answers undefined. Anything else (toJSON, class instances, BigInt, cycles) is left to
 * JSON.stringify, which throws where it would have thrown. `key` writes an object key.
 */
export function plainDataJson(
  value: unknown,
  key: (name: string) => string = stringJson,
  depth = 0,
): string | undefined {
  if (typeof value === "string") return stringJson(value);
  if (typeof value === "number") return numberJson(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "null";
  if (typeof value !== "object" || depth >= MAX_DEPTH || hasToJson(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return JSON.stringify(value);
    let out = "[";
    for (let index = 0; index < value.length; index++) {
      // JSON.stringify writes holes, undefined and functions in arrays as null.
      const element = plainDataJson(value[index], key, depth + 1) ?? "null";
      out += index === 0 ? element : `,${element}`;
    }
    return `${out}]`;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return JSON.stringify(value);
  let out = "{";
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    const member = plainDataJson((value as Record<string, unknown>)[name], key, depth + 1);
    if (member === undefined) continue;
    out += out.length === 1 ? `${key(name)}:${member}` : `,${key(name)}:${member}`;
  }
  return `${out}}`;
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/**
 * A value whose JSON text was written ahead (the meter state of a decision record): the record's
 * serialiser copies the text; JSON.stringify and anything else read the value through toJSON().
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
