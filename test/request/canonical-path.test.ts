import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalizePath, type PathOptions, type PathResult } from "../../runtime/request/canonical-path.ts";

const STRICT: PathOptions = { allowPathParameters: false, allowDoubleEncoding: false };
const LAX: PathOptions = { allowPathParameters: true, allowDoubleEncoding: true };

function ok(raw: string, options = STRICT): string {
  const result = canonicalizePath(raw, options);
  if (!result.ok) throw new Error(`${JSON.stringify(raw)} rejected: ${result.reason}`);
  return result.path;
}

function reason(raw: string, options = STRICT): string {
  const result = canonicalizePath(raw, options);
  return result.ok ? `accepted as ${result.path}` : result.reason;
}

describe("canonicalizePath: accepted paths", () => {
  it.each([
    ["", "/"],
    ["/", "/"],
    ["/api/v1/users", "/api/v1/users"],
    ["/api/v1/users/", "/api/v1/users/"],
    ["/Api/CASE", "/Api/CASE"],
    ["/a-b_c.d~e/!$&'()*+,=:@", "/a-b_c.d~e/!$&'()*+,=:@"],
    ["/.well-known/x", "/.well-known/x"],
    ["/a/.b/..c/c..", "/a/.b/..c/c.."],
  ])("%j -> %j", (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });

  it.each([
    ["/%41%62%7e%2d%2E%5F%30", "/Ab~-._0"],
    ["/%7E", "/~"],
    ["/a%20b", "/a%20b"],
    ["/a%3fb%23c%25", "/a%3Fb%23c%25"],
    ["/%c3%a9", "/%C3%A9"],
    ["/%E2%82%AC", "/%E2%82%AC"],
    ["/%F0%9F%98%80", "/%F0%9F%98%80"],
    ["/%f4%8f%bf%bf", "/%F4%8F%BF%BF"],
    ["/%EF%BF%BF", "/%EF%BF%BF"],
  ])("normalizes escapes (RFC 3986 §6.2.2): %j -> %j", (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });

  it.each([
    ["/é", "/%C3%A9"],
    ["/€", "/%E2%82%AC"],
    ["/😀", "/%F0%9F%98%80"],
    ["/ü/%C3%BC", "/%C3%BC/%C3%BC"],
    ["/ä%C3%A9", "/%C3%A4%C3%A9"],
  ])("encodes raw non-ASCII as UTF-8: %j -> %j", (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });

  it.each([
    ["/a b", "/a%20b"],
    ['/"<>`{}|^', "/%22%3C%3E%60%7B%7D%7C%5E"],
    ["/a#b?c", "/a%23b%3Fc"],
    ["/[::1]", "/%5B::1%5D"],
  ])("encodes raw ASCII outside the path set: %j -> %j", (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });

  it.each([
    ["//", "/"],
    ["//a///b//", "/a/b/"],
    ["/a/./b/../c", "/a/c"],
    ["/../a", "/a"],
    ["/..", "/"],
    ["/.", "/"],
    ["/./", "/"],
    ["/a/..", "/"],
    ["/a/b/..", "/a/"],
    ["/a/b/.", "/a/b/"],
    ["/a/b/../../../../c", "/c"],
    ["/a/%2E%2E/b", "/b"],
    ["/a/%2e./b", "/b"],
    ["/a/.%2E", "/"],
    ["/a/%2e/b", "/a/b"],
    ["/a//..//b", "/b"],
    ["/a/.../b", "/a/.../b"],
    ["/b/.b/./c", "/b/.b/c"],
    ["/b/.b/../c", "/b/c"],
  ])("merges slashes and removes dot segments (RFC 3986 §5.2.4): %j -> %j", (raw, expected) => {
    expect(ok(raw)).toBe(expected);
  });
});

describe("canonicalizePath: refused paths", () => {
  it.each([
    ["a/b", "not-absolute"],
    ["*", "not-absolute"],
    ["%2Fa", "not-absolute"],
    ["/a%2Fb", "encoded-slash"],
    ["/a%2fb", "encoded-slash"],
    ["/a%5Cb", "encoded-backslash"],
    ["/a%5cb", "encoded-backslash"],
    ["/a\\b", "backslash"],
    ["/a\u0000b", "control-character"],
    ["/a\tb", "control-character"],
    ["/a\nb", "control-character"],
    ["/a\u007fb", "control-character"],
    ["/a%00b", "control-character"],
    ["/a%0a", "control-character"],
    ["/a%1F", "control-character"],
    ["/a%7f", "control-character"],
    ["/a%", "invalid-percent-encoding"],
    ["/a%4", "invalid-percent-encoding"],
    ["/a%4g", "invalid-percent-encoding"],
    ["/a%%41", "invalid-percent-encoding"],
    ["/a%G1", "invalid-percent-encoding"],
    ["/%C3", "invalid-utf8"],
    ["/%C3/%A9", "invalid-utf8"],
    ["/%C3a", "invalid-utf8"],
    ["/%C3é", "invalid-utf8"],
    ["/%A9", "invalid-utf8"],
    ["/%C0%AF", "invalid-utf8"],
    ["/%C1%BF", "invalid-utf8"],
    ["/%E0%80%AF", "invalid-utf8"],
    ["/%F0%80%80%AF", "invalid-utf8"],
    ["/%ED%A0%80", "invalid-utf8"],
    ["/%ED%BF%BF", "invalid-utf8"],
    ["/%F4%90%80%80", "invalid-utf8"],
    ["/%F5%80%80%80", "invalid-utf8"],
    ["/%FF", "invalid-utf8"],
    ["/%E2%82", "invalid-utf8"],
    ["/\ud800", "invalid-utf8"],
    ["/\udc00a", "invalid-utf8"],
    ["/\ud83d/", "invalid-utf8"],
    ["/a;b", "path-parameter"],
    ["/..;/admin", "path-parameter"],
    ["/a/%2e%2e;/b", "path-parameter"],
    ["/%2541", "double-encoding"],
    ["/%252f", "double-encoding"],
    ["/%252F", "double-encoding"],
    ["/%25%34%31", "double-encoding"],
    ["/%25a%62", "double-encoding"],
  ])("%j -> %s", (raw, expected) => {
    expect(reason(raw)).toBe(expected);
  });

  it("keeps `%25` that is not followed by two hex digits", () => {
    expect(ok("/100%25")).toBe("/100%25");
    expect(ok("/%25zz")).toBe("/%25zz");
    expect(ok("/%254")).toBe("/%254");
    expect(ok("/%25/41")).toBe("/%25/41");
  });

  it("accepts path parameters and double encoding only when allowed", () => {
    expect(ok("/a;b=c/d", LAX)).toBe("/a;b=c/d");
    expect(ok("/..;/admin", LAX)).toBe("/..;/admin");
    expect(ok("/%2541", LAX)).toBe("/%2541");
    expect(ok("/%25%34%31", LAX)).toBe("/%2541");
    expect(reason("/a;b", { allowPathParameters: false, allowDoubleEncoding: true })).toBe("path-parameter");
    expect(reason("/%2541", { allowPathParameters: true, allowDoubleEncoding: false })).toBe(
      "double-encoding",
    );
  });

  it("refuses unsafe forms even when the opt-outs are set", () => {
    for (const raw of ["/a%2Fb", "/a\\b", "/a%00", "/%C0%AF", "/a%zz"]) {
      expect(canonicalizePath(raw, LAX).ok).toBe(false);
    }
  });

  it("returns the input string itself on the fast path", () => {
    const raw = "/api/v1/users/123";
    const result = canonicalizePath(raw, STRICT);
    expect(result).toEqual({ ok: true, path: raw });
  });
});

// Alphabet chosen to collide: dots in every spelling, escapes that decode or not, multi-byte characters
// and their escapes, characters that get encoded; refused pieces are rarer so that most paths get through.
const SAFE_TEXT =
  "/ / / . . %2e %2E %41 %7e %7E %C3%A9 %c3%a9 a b Z ; %25 %2541 4 1 é 😀 %20 ? # ~ - : @ ! ' [ %3b %C3 %A9";
const SAFE = [...SAFE_TEXT.split(" "), " "];
const REFUSED = ["\\", "%2F", "%5c", "%00", "%", "\ud800", "%ED%A0%80", "\u0001"];
const pathArb = fc
  .array(fc.oneof({ arbitrary: fc.constantFrom(...SAFE), weight: 40 }, fc.constantFrom(...REFUSED)), {
    maxLength: 16,
  })
  .map((pieces) => "/" + pieces.join(""));
const optionsArb = fc.record({ allowPathParameters: fc.boolean(), allowDoubleEncoding: fc.boolean() });

// RFC 3986 §5.2.4, transcribed step by step as an oracle. (Node 20's WHATWG URL is not usable as one:
// it leaves "/b/.b/./c" unchanged.)
function rfcRemoveDotSegments(path: string): string {
  let input = path;
  let output = "";
  const dropLast = () => {
    output = output.slice(0, Math.max(0, output.lastIndexOf("/")));
  };
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);
    else if (input.startsWith("./")) input = input.slice(2);
    else if (input.startsWith("/./")) input = input.slice(2);
    else if (input === "/.") input = "/";
    else if (input.startsWith("/../")) {
      input = input.slice(3);
      dropLast();
    } else if (input === "/..") {
      input = "/";
      dropLast();
    } else if (input === "." || input === "..") input = "";
    else {
      const segment = /^\/?[^/]*/.exec(input)![0];
      output += segment;
      input = input.slice(segment.length);
    }
  }
  return output;
}

const CANONICAL_CHAR = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$/;

describe("canonicalizePath: properties", () => {
  it("uses a generator that mostly produces accepted, non-trivial paths", () => {
    const sample = fc.sample(pathArb, { numRuns: 2_000, seed: 1 });
    const results = sample.map((raw) => [raw, canonicalizePath(raw, LAX)] as const);
    const accepted = results.filter(([, r]) => r.ok);
    expect(accepted.length).toBeGreaterThan(sample.length / 2);
    expect(accepted.filter(([raw, r]) => r.ok && r.path !== raw).length).toBeGreaterThan(sample.length / 4);
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(pathArb, optionsArb, (raw, options) => {
        const first: PathResult = canonicalizePath(raw, options);
        if (!first.ok) return;
        expect(canonicalizePath(first.path, options)).toEqual(first);
      }),
      { numRuns: 10_000 },
    );
  });

  it("produces only canonical paths", () => {
    fc.assert(
      fc.property(pathArb, optionsArb, (raw, options) => {
        const result = canonicalizePath(raw, options);
        if (!result.ok) return;
        const path = result.path;
        expect(path.startsWith("/")).toBe(true);
        expect(path).not.toContain("//");
        expect(path).not.toContain("\\");
        expect(path.split("/").some((s) => s === "." || s === "..")).toBe(false);
        expect(path).toMatch(CANONICAL_CHAR);
        // Escapes of unreserved characters, "/", "\" and control bytes never survive.
        expect(path).not.toMatch(/%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2[DEF]|5[CF]|7E|[01][0-9A-F]|7F)/);
        if (!options.allowPathParameters) expect(path).not.toContain(";");
        if (!options.allowDoubleEncoding) expect(path).not.toMatch(/%25[0-9A-Fa-f]{2}/);
      }),
      { numRuns: 10_000 },
    );
  });

  it("never accepts a path with a raw backslash, an encoded slash or a control byte", () => {
    fc.assert(
      fc.property(pathArb, optionsArb, (raw, options) => {
        if (/\\|%2f|%5c|%00/i.test(raw)) expect(canonicalizePath(raw, options).ok).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });

  it("removes dot segments as the RFC 3986 §5.2.4 algorithm does, after merging slashes", () => {
    const dotty = fc
      .array(fc.constantFrom("/", "/", ".", "a", "b", "%2e", "%2E"), { maxLength: 12 })
      .map((pieces) => "/" + pieces.join(""));
    fc.assert(
      fc.property(dotty, (raw) => {
        const decoded = raw.replace(/%2e/gi, ".").replace(/\/+/g, "/");
        expect(ok(raw)).toBe(rfcRemoveDotSegments(decoded));
      }),
      { numRuns: 10_000 },
    );
  });

  it("accepts any string without the exotic pieces", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(\/[a-z0-9._~-]{0,6}){0,6}$/), (raw) => {
        expect(canonicalizePath(raw, STRICT).ok).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("canonicalizePath: the remembered last answer", () => {
  it("answers a repeated path again, and never for other options or another path", () => {
    expect(reason("/a;b", STRICT)).toBe("path-parameter");
    expect(reason("/a;b", LAX)).toBe("accepted as /a;b");
    expect(reason("/a;b", STRICT)).toBe("path-parameter");
    expect(reason("/a;b", { ...STRICT })).toBe("path-parameter");
    const first = canonicalizePath("/x/./y", STRICT);
    expect(canonicalizePath("/x/./y", STRICT)).toBe(first);
    expect(reason("/x/../y", STRICT)).toBe("accepted as /y");
  });
});
