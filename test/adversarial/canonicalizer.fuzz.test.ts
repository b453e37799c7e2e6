// The path canonicalizer and the request checks against simple, independent models
// (fast-check, 10,000 runs each). The canonicalizer model works in three plain steps —
// decode to bytes, apply the refusal rules, then merge slashes and remove dot segments
// (RFC 3986 §5.2.4) — with none of the implementation's single-pass bookkeeping. A further
// property reads every accepted path the way a lenient upstream does and checks that it
// cannot see a structure (a separator, a dot segment, a parameter, a folded character) the
// rules did not see.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasAmbiguousField, isCanonicalMethod, readBody } from "../../runtime/decision/request-checks.ts";
import { canonicalizePath, type PathOptions } from "../../runtime/request/canonical-path.ts";
import { jsonText } from "../../runtime/request/json-body.ts";

const RUNS = 10_000;
const STRICT: PathOptions = { allowPathParameters: false, allowDoubleEncoding: false };

// ---------------------------------------------------------------------------------------
// The model.

type ModelResult = { ok: true; path: string } | { ok: false; reasons: Set<string> };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const SUB_DELIMS = "!$&'()*+,;=:@";
const hex = (b: number) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`;

interface Octet {
  readonly byte: number;
  /** It came from a %XX escape. */
  readonly escaped: boolean;
}

function modelCanonicalize(raw: string, options: PathOptions): ModelResult {
  if (raw === "") return { ok: true, path: "/" };
  if (!raw.startsWith("/")) return { ok: false, reasons: new Set(["not-absolute"]) };
  const reasons = new Set<string>();
  // 1. Decode: escapes to their byte, raw characters to their UTF-8 bytes.
  // Every rule is checked on its own, so the model collects all the reasons a path has; the
  // implementation stops at the first one it meets.
  const octets: Octet[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "%") {
      const pair = raw.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
        octets.push({ byte: Number.parseInt(pair, 16), escaped: true });
        i += 2;
      } else {
        reasons.add("invalid-percent-encoding");
        octets.push({ byte: 0x25, escaped: false });
      }
    } else {
      const cp = raw.codePointAt(i)!;
      if (cp > 0xffff) i++;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        reasons.add("invalid-utf8");
        continue;
      }
      for (const byte of Buffer.from(String.fromCodePoint(cp), "utf8")) octets.push({ byte, escaped: false });
    }
  }
  // 2. Refusal rules, each on its own.
  for (const { byte, escaped } of octets) {
    if (escaped && byte === 0x2f) reasons.add("encoded-slash");
    if (escaped && byte === 0x5c) reasons.add("encoded-backslash");
    if (!escaped && byte === 0x5c) reasons.add("backslash");
    if (byte < 0x20 || byte === 0x7f) reasons.add("control-character");
    if (byte === 0x3b && !options.allowPathParameters) reasons.add("path-parameter");
  }
  const bytes = Uint8Array.from(octets.map((o) => o.byte));
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    reasons.add("invalid-utf8");
  }
  for (const ch of new TextDecoder("utf-8").decode(bytes)) {
    if (ch.codePointAt(0)! >= 0x80 && /[\u0000-\u007f]/.test(ch.normalize("NFKC"))) {
      reasons.add("compatibility-character");
    }
  }
  // 3. The canonical spelling: unreserved characters, sub-delimiters (but an escaped ";") and "/" as
  // themselves; everything else as an upper-case escape.
  let out = "";
  for (const { byte, escaped } of octets) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(ch)) out += ch;
    else if (byte < 0x80 && SUB_DELIMS.includes(ch) && !(escaped && ch === ";")) out += ch;
    else if (byte === 0x2f && !escaped) out += "/";
    else out += hex(byte);
  }
  if (!options.allowDoubleEncoding && /%25[0-9A-Fa-f]{2}/.test(out)) reasons.add("double-encoding");
  if (reasons.size > 0) return { ok: false, reasons };
  return { ok: true, path: removeDotSegments(out.replace(/\/+/g, "/")) };
}

// RFC 3986 §5.2.4, step by step.
function removeDotSegments(path: string): string {
  let input = path;
  let output = "";
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);
    else if (input.startsWith("./")) input = input.slice(2);
    else if (input.startsWith("/./")) input = input.slice(2);
    else if (input === "/.") input = "/";
    else if (input.startsWith("/../")) {
      input = input.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf("/")));
    } else if (input === "/..") {
      input = "/";
      output = output.slice(0, Math.max(0, output.lastIndexOf("/")));
    } else if (input === "." || input === "..") input = "";
    else {
      const segment = /^\/?[^/]*/.exec(input)![0];
      output += segment;
      input = input.slice(segment.length);
    }
  }
  return output === "" ? "/" : output;
}

// ---------------------------------------------------------------------------------------
// Generators: pieces that collide on purpose.

const PIECES = [
  "/",
  "/",
  "/",
  ".",
  ".",
  "..",
  "a",
  "b",
  "Z",
  "admin",
  "%41",
  "%61",
  "%7e",
  "%7E",
  "~",
  "-",
  "_",
  "%2e",
  "%2E",
  "%2f",
  "%2F",
  "%5c",
  "\\",
  ";",
  "%3b",
  "%3B",
  ":",
  "%3a",
  "%3A",
  "@",
  "%40",
  "!",
  "%21",
  "+",
  "%2B",
  "=",
  "%3D",
  ",",
  "%2C",
  "&",
  "%26",
  "$",
  "'",
  "(",
  ")",
  "*",
  "%2A",
  "%25",
  "%2541",
  "%252e",
  "%",
  "%4",
  "%zz",
  "?",
  "%3F",
  "#",
  "%23",
  " ",
  "%20",
  '"',
  "<",
  "[",
  "%00",
  "%09",
  "%0a",
  "\t",
  "\u0000",
  "%7f",
  "\u007f",
  "é",
  "%c3%a9",
  "%C3%A9",
  "%C3",
  "%A9",
  "%80",
  "%c0%ae",
  "%c0%af",
  "%e0%80%ae",
  "%ED%A0%80",
  "\ud800",
  "😀",
  "%F0%9F%98%80",
  "%f4%90%80%80",
  "ａ",
  "%EF%BD%81",
  "‥",
  "%E2%80%A5",
  "／",
  "%EF%BC%8F",
  "．",
  "%EF%BC%8E",
  "ﬁ",
  "K",
  "²",
  "ſ",
  "\u00a0",
  "ı",
  "%C4%B1",
  "ä",
  "a\u0308",
  "中",
  "%E4%B8%AD",
  "ｶ",
];
const pathArb = fc
  .array(fc.constantFrom(...PIECES), { maxLength: 14 })
  .map((pieces) => "/" + pieces.join(""));
const anyPathArb = fc.oneof(
  pathArb,
  fc.string({ maxLength: 20 }),
  pathArb.map((p) => p.slice(1)),
);
const optionsArb = fc.record({ allowPathParameters: fc.boolean(), allowDoubleEncoding: fc.boolean() });

// A lenient upstream's reading of a forwarded path (see support/framework-upstream.ts): decode once.
function decodeOnce(path: string): string {
  return Buffer.from(
    path.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}
const asciiOf = (text: string) => [...text].filter((ch) => ch.charCodeAt(0) < 0x80).join("");
function isSubsequence(part: string, whole: string): boolean {
  let at = 0;
  for (const ch of whole) if (at < part.length && part[at] === ch) at++;
  return at === part.length;
}

describe("canonicalizePath against an independent model", () => {
  it("agrees with the model on acceptance, the canonical path and the reason", () => {
    fc.assert(
      fc.property(anyPathArb, optionsArb, (raw, options) => {
        const expected = modelCanonicalize(raw, options);
        const actual = canonicalizePath(raw, options);
        if (expected.ok) expect(actual).toEqual(expected);
        else {
          expect(actual.ok, `${JSON.stringify(raw)} accepted`).toBe(false);
          if (!actual.ok) expect([...expected.reasons]).toContain(actual.reason);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("generates a useful mix: most paths accepted, many rewritten, every refusal reason reached", () => {
    const sample = fc.sample(fc.tuple(pathArb, optionsArb), { numRuns: 3_000, seed: 7 });
    const results = sample.map(([raw, options]) => [raw, canonicalizePath(raw, options)] as const);
    const reasons = new Set(results.flatMap(([, r]) => (r.ok ? [] : [r.reason])));
    expect(results.filter(([raw, r]) => r.ok && r.path !== raw).length).toBeGreaterThan(300);
    expect(results.filter(([, r]) => r.ok).length).toBeGreaterThan(300);
    for (const reason of [
      "encoded-slash",
      "encoded-backslash",
      "backslash",
      "control-character",
      "invalid-percent-encoding",
      "invalid-utf8",
      "path-parameter",
      "double-encoding",
      "compatibility-character",
    ]) {
      expect(reasons).toContain(reason);
    }
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(pathArb, optionsArb, (raw, options) => {
        const first = canonicalizePath(raw, options);
        if (first.ok) expect(canonicalizePath(first.path, options)).toEqual(first);
      }),
      { numRuns: RUNS },
    );
  });

  it("leaves a lenient upstream nothing to read differently (strict options)", () => {
    fc.assert(
      fc.property(pathArb, (raw) => {
        const result = canonicalizePath(raw, STRICT);
        if (!result.ok) return;
        const seen = decodeOnce(result.path);
        // No separator, dot segment or parameter appears only once decoded…
        expect(seen).not.toMatch(/[\\;\u0000-\u001f\u007f]/);
        expect(seen).not.toContain("//");
        expect(seen.split("/").filter((s) => s === "." || s === "..")).toEqual([]);
        // …no escape the rules saw as text is left for a second decoding…
        expect(seen).not.toMatch(/%[0-9A-Fa-f]{2}/);
        // …no Unicode normalisation (NFKC, NFC) adds ASCII the rules did not see (composing can
        // only remove some)…
        expect(isSubsequence(asciiOf(seen.normalize("NFKC")), asciiOf(seen))).toBe(true);
        // …and sub-delimiters, ":" and "@" are spelt as themselves, never hidden in an escape.
        expect(result.path).not.toMatch(/%(21|24|26|27|28|29|2A|2B|2C|3A|3B|3D|40)/);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Request checks.

describe("request checks against independent models", () => {
  it("isCanonicalMethod: 1 to 32 upper-case ASCII letters", () => {
    const methodArb = fc.oneof(
      fc.constantFrom(
        "GET",
        "get",
        "Get",
        "GET ",
        " GET",
        "G\u0130T",
        "DELETE",
        "M-SEARCH",
        "PROPFIND",
        "A".repeat(33),
      ),
      fc.stringMatching(/^[A-Za-z\- _\t0-9\u0130\u212a]{0,34}$/),
    );
    fc.assert(
      fc.property(methodArb, (method) => {
        expect(isCanonicalMethod(method)).toBe(/^[A-Z]{1,32}$/.test(method));
      }),
      { numRuns: RUNS },
    );
  });

  it("hasAmbiguousField: an inspected header (any ASCII case) or query name seen more than once", () => {
    const nameArb = fc.constantFrom(
      "x-tenant",
      "X-Tenant",
      "X-TENANT",
      "x-tenan\u212a",
      "x_tenant",
      "x-other",
      "__proto__",
      "constructor",
    );
    const valuesArb = fc.oneof(fc.constant("v"), fc.array(fc.constant("v"), { maxLength: 3 }));
    const mapArb = fc.array(fc.tuple(nameArb, valuesArb), { maxLength: 5 }).map((entries) => {
      const map: Record<string, string | string[]> = {};
      for (const [name, values] of entries) {
        Object.defineProperty(map, name, {
          value: values,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return map;
    });
    const inspectedArb = fc.subarray(["x-tenant", "constructor", "__proto__"]);
    const count = (map: Record<string, string | string[]>, match: (name: string) => boolean) =>
      Object.keys(map)
        .filter(match)
        .reduce((n, name) => n + (typeof map[name] === "string" ? 1 : (map[name] as string[]).length), 0);
    fc.assert(
      fc.property(
        mapArb,
        mapArb,
        inspectedArb,
        inspectedArb,
        (headers, query, inspectedHeaders, inspectedQuery) => {
          const expected =
            inspectedHeaders.some(
              (h) => count(headers, (name) => name.replace(/[A-Z]/g, (c) => c.toLowerCase()) === h) > 1,
            ) || inspectedQuery.some((q) => count(query, (name) => name === q) > 1);
          expect(hasAmbiguousField(headers, query, inspectedHeaders, inspectedQuery)).toBe(expected);
        },
      ),
      { numRuns: RUNS },
    );
  });

  // Bodies built from a structure whose answer is known: duplicate keys (possibly spelt with an
  // escape), nesting depth, size, validity.
  type Doc = { text: string; duplicate: boolean; depth: number; value: unknown };
  const keyArb = fc.constantFrom("a", "b", "__proto__", "constructor", "amount");
  const spell = (key: string, escaped: boolean) =>
    escaped ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, "0")}${key.slice(1)}"` : JSON.stringify(key);
  const docArb: fc.Arbitrary<Doc> = fc.letrec<{ doc: Doc }>((tie) => ({
    doc: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom(0, 12, -1.5, 1e21, 99999, true, false, null, "x", "vip", "é\u2028").map((value) => ({
        text: JSON.stringify(value),
        duplicate: false,
        depth: 0,
        value,
      })),
      fc.array(tie("doc"), { maxLength: 3 }).map((items) => ({
        text: `[${items.map((d) => d.text).join(",")}]`,
        duplicate: items.some((d) => d.duplicate),
        depth: 1 + Math.max(0, ...items.map((d) => d.depth)),
        value: items.map((d) => d.value),
      })),
      fc.array(fc.tuple(keyArb, fc.boolean(), tie("doc")), { maxLength: 3 }).map((entries) => {
        const value: Record<string, unknown> = {};
        const seen = new Set<string>();
        let duplicate = false;
        for (const [key, , doc] of entries) {
          if (seen.has(key)) duplicate = true;
          seen.add(key);
          Object.defineProperty(value, key, {
            value: doc.value,
            enumerable: true,
            configurable: true,
            writable: true,
          });
        }
        return {
          text: `{${entries.map(([key, escaped, doc]) => `${spell(key, escaped)} : ${doc.text}`).join(" ,")}}`,
          duplicate: duplicate || entries.some(([, , d]) => d.duplicate),
          depth: 1 + Math.max(0, ...entries.map(([, , d]) => d.depth)),
          value,
        };
      }),
    ),
  })).doc;
  const nested = fc.integer({ min: 60, max: 70 }).map((depth) => {
    const text = "[".repeat(depth) + "]".repeat(depth);
    return { text, duplicate: false, depth, value: JSON.parse(text) as unknown };
  });
  const broken = fc
    .constantFrom("{", "[1,]", '{"a":1}x', "NaN", "'a'", "01", "1e400", "\uFEFF{}", '{"a" 1}')
    .map((text) => ({
      text,
      duplicate: false,
      depth: -1,
      value: undefined as unknown,
    }));

  it("readBody: valid JSON as JSON.parse reads it; duplicates ambiguous; too deep, broken or too large refused", () => {
    const limit = 200;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 6, arbitrary: docArb }, nested, broken),
        fc.boolean(),
        (doc, asBytes) => {
          const body = asBytes ? Buffer.from(doc.text) : doc.text;
          const result = readBody(body, limit);
          if (Buffer.byteLength(doc.text) > limit)
            expect(result).toEqual({ ok: false, code: "body-too-large" });
          else if (doc.depth < 0 || doc.depth > 64)
            expect(result).toEqual({ ok: false, code: "body-not-inspectable" });
          else if (doc.duplicate) expect(result).toEqual({ ok: false, code: "ambiguous-request" });
          else {
            expect(result.ok).toBe(true);
            if (result.ok) {
              expect(result.value).toEqual(doc.value);
              // Own keys only: `__proto__` is data, never a prototype.
              expect(JSON.stringify(result.value)).toBe(JSON.stringify(doc.value));
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("jsonText: integers are plain digits, so a digit-count rule sees every large number", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), (value) => {
        const text = jsonText(value)!;
        expect(JSON.parse(text)).toBe(value === 0 ? 0 : value);
        if (Number.isInteger(value)) expect(text).toMatch(/^-?[0-9]+$/);
      }),
      { numRuns: RUNS },
    );
  });
});
