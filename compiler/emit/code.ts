// The safe code builder. Generated code is assembled only from `Code` fragments written
// by the compiler and from values turned into literals here: strings are JSON-quoted
// (with U+2028/U+2029 escaped), data objects go through JSON.parse so a key such as
// `__proto__` stays an own property, and identifiers are checked. User input is never
// concatenated into code.
import { assert } from "../diagnostics/diagnostic.ts";

export class Code {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Literal =
  | string
  | number
  | boolean
  | null
  | readonly Literal[]
  | { readonly [key: string]: Literal };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally " +
    "for function if import in instanceof new null return super switch this throw true try typeof var void " +
    "while with yield let static implements interface package private protected public await arguments eval"
  ).split(" "),
);

export function identifier(name: string): Code {
  assert(IDENTIFIER.test(name) && !RESERVED.has(name), `not a safe identifier: ${JSON.stringify(name)}`);
  return new Code(name);
}

/** A JavaScript string literal that cannot end early or break a line. */
export function stringLiteral(value: string): Code {
  return new Code(
    JSON.stringify(value)
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029"),
  );
}

export function numberLiteral(value: number): Code {
  assert(Number.isFinite(value), `not a finite number: ${value}`);
  return new Code(Object.is(value, -0) ? "0" : String(value));
}

/** Any JSON-shaped value, as an expression that rebuilds it with JSON.parse. */
export function dataLiteral(value: Literal | unknown): Code {
  const json = JSON.stringify(value);
  assert(typeof json === "string", "data literal must be JSON-serialisable");
  return new Code(`JSON.parse(${stringLiteral(json).text})`);
}

/** Tagged template: `${}` accepts only Code fragments, so nothing unquoted slips in. */
export function js(strings: TemplateStringsArray, ...parts: Code[]): Code {
  let text = strings[0]!;
  parts.forEach((part, index) => {
    assert(part instanceof Code, "only Code fragments can be interpolated into generated code");
    text += part.text + strings[index + 1]!;
  });
  return new Code(text);
}

export function lines(fragments: readonly Code[]): Code {
  return new Code(fragments.map((fragment) => fragment.text).join("\n"));
}
