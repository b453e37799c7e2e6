// A strict little XML 1.0 reader for the JUnit tests: it accepts only well-formed
// documents (one root, matched tags, quoted and unique attributes, known entities, no
// raw `<` or `&`, only characters XML allows) and returns the element tree.

export interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ALLOWED = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  if (!ALLOWED.test(source)) throw new Error("character not allowed in XML");
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${at}: ${JSON.stringify(source.slice(at, at + 30))}`);
  };
  const skipSpace = () => {
    while (/\s/.test(source[at] ?? "")) at++;
  };
  if (source.startsWith("<?xml")) {
    const end = source.indexOf("?>");
    if (end < 0) fail("unterminated declaration");
    at = end + 2;
  }
  const decode = (raw: string): string => {
    if (raw.includes("<")) fail("raw `<`");
    return raw.replace(/&([^;]*);?/g, (match, entity: string) => {
      if (!match.endsWith(";")) fail("bare `&`");
      if (entity in ENTITIES) return ENTITIES[entity]!;
      const code = /^#x[0-9a-fA-F]+$/.test(entity)
        ? Number.parseInt(entity.slice(2), 16)
        : /^#[0-9]+$/.test(entity)
          ? Number(entity.slice(1))
          : fail(`unknown entity &${entity};`);
      const char = String.fromCodePoint(code);
      if (!ALLOWED.test(char)) fail("character reference not allowed");
      return char;
    });
  };
  const element = (): XmlElement => {
    if (source[at] !== "<") fail("expected `<`");
    at++;
    const name = NAME.exec(source.slice(at))?.[0] ?? fail("expected a tag name");
    at += name.length;
    const result: XmlElement = { name, attributes: {}, children: [], text: "" };
    for (;;) {
      skipSpace();
      if (source.startsWith("/>", at)) {
        at += 2;
        return result;
      }
      if (source[at] === ">") {
        at++;
        break;
      }
      const attribute = NAME.exec(source.slice(at))?.[0] ?? fail("expected an attribute");
      at += attribute.length;
      if (source[at] !== "=" || source[at + 1] !== '"') fail('expected ="');
      const end = source.indexOf('"', at + 2);
      if (end < 0) fail("unterminated attribute");
      if (Object.hasOwn(result.attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      result.attributes[attribute] = decode(source.slice(at + 2, end));
      at = end + 1;
    }
    for (;;) {
      const next = source.indexOf("<", at);
      if (next < 0) fail("unterminated element");
      result.text += decode(source.slice(at, next));
      at = next;
      if (source.startsWith("</", at)) {
        const close = `</${name}>`;
        if (!source.startsWith(close, at)) fail(`expected ${close}`);
        at += close.length;
        return result;
      }
      result.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (at !== source.length) fail("content after the root element");
  return root;
}
