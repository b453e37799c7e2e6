// XML 1.0 escaping for the JUnit report. Characters XML cannot carry at all (most
// control characters, lone surrogates, U+FFFE/U+FFFF) are written as `\uXXXX` text.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function carried(text: string): string {
  return text.replace(NOT_XML, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function xmlText(text: string): string {
  return carried(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Attribute values: quotes escaped, and whitespace kept (parsers normalise raw newlines). */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

/** `<name a="…" b="…">` with every value escaped. */
export function openTag(
  name: string,
  attributes: Record<string, string | number>,
  selfClosing = false,
): string {
  const pairs = Object.entries(attributes).map(([key, value]) => ` ${key}="${xmlAttribute(String(value))}"`);
  return `<${name}${pairs.join("")}${selfClosing ? "/>" : ">"}`;
}
