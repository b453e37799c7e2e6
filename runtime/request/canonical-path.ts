// Path canonicalization (SPEC §5): the canonical form is both matched by rules and forwarded upstream,
// so anything an upstream could read differently from us is refused rather than guessed at.
import { Ascii } from "../ascii.ts";

export type PathRejection =
  | "encoded-slash"
  | "encoded-backslash"
  | "backslash"
  | "control-character"
  | "invalid-percent-encoding"
  | "invalid-utf8"
  | "path-parameter"
  | "double-encoding"
  | "compatibility-character"
  | "not-absolute";

export type PathResult =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: PathRejection };

export interface PathOptions {
  /** Accept `;` and `%3B` (servers such as Tomcat and Jetty strip `;params`, so rules could be bypassed). Unsafe. */
  allowPathParameters: boolean;
  /** Accept `%25XX` (an upstream that decodes twice sees a different path). Unsafe. */
  allowDoubleEncoding: boolean;
}

// Per ASCII code: 1 = unreserved (RFC 3986 §2.3), 2 = other char allowed raw in a path (sub-delims, ":",
// "@", "/"; RFC 3986 §3.3), 0 = must be percent-encoded or refused.
const RAW = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) RAW[c] = 1;
  else if ("!$&'()*+,;=:@/".includes(ch)) RAW[c] = 2;
}

// Hex digit value per char code, -1 when not a hex digit.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX_VALUE["0123456789ABCDEF".charCodeAt(c)] = c;
  HEX_VALUE["0123456789abcdef".charCodeAt(c)] = c;
}

const ESCAPE: string[] = [];
for (let b = 0; b < 256; b++) ESCAPE.push("%" + b.toString(16).toUpperCase().padStart(2, "0"));
const CHAR: string[] = [];
for (let b = 0; b < 128; b++) CHAR.push(String.fromCharCode(b));

function hexAt(raw: string, i: number): number {
  const c = raw.charCodeAt(i);
  return c < 128 ? HEX_VALUE[c]! : -1;
}

function reject(reason: PathRejection): PathResult {
  return { ok: false, reason };
}

// The last answer: the gateway canonicalises each path twice (in the decision, and for forwarding), and
// consecutive requests often share a path. Results are never mutated, so one can be handed out again.
let lastRaw = "";
let lastOptions: PathOptions | null = null;
let lastResult: PathResult | null = null;

export function canonicalizePath(raw: string, options: PathOptions): PathResult {
  if (raw === lastRaw && options === lastOptions) return lastResult!;
  const result = canonicalize(raw, options);
  lastRaw = raw;
  lastOptions = options;
  lastResult = result;
  return result;
}

function canonicalize(raw: string, options: PathOptions): PathResult {
  if (raw.length === 0) return { ok: true, path: "/" };
  if (raw.charCodeAt(0) !== Ascii.Slash) return reject("not-absolute");
  // Fast path: only raw-allowed ASCII, no escapes, no empty or dot-led segment => already canonical.
  let prev = Ascii.Slash;
  for (let i = 1; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 128 || RAW[c] === 0 || c === Ascii.Percent) return slowPath(raw, options);
    if (prev === Ascii.Slash && (c === Ascii.Slash || c === Ascii.Dot)) return slowPath(raw, options);
    if (c === Ascii.Semicolon && !options.allowPathParameters) return reject("path-parameter");
    prev = c;
  }
  return { ok: true, path: raw };
}

function slowPath(raw: string, options: PathOptions): PathResult {
  // UTF-8 validation state (Unicode Table 3-7): continuation bytes still needed, and the allowed range
  // of the next one (narrowed after E0/ED/F0/F4 to exclude overlong forms, surrogates, > U+10FFFF).
  let need = 0;
  let lo = 0x80;
  let hi = 0xbf;
  let cp = 0; // the code point being decoded, complete when `need` is back to 0
  // Feeds one non-ASCII byte; returns false when the sequence is invalid.
  const feed = (b: number): boolean => {
    if (need > 0) {
      if (b < lo || b > hi) return false;
      need--;
      lo = 0x80;
      hi = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      return true;
    }
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    return true;
  };

  // raw[start, i) is already canonical and copied in one slice when something must change.
  let out = "";
  let start = 0;
  let prevSlash = false;
  let dotSegment = false; // some segment starts with "."
  let percent25 = false; // some "%25" was kept
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === Ascii.Percent) {
      const h = hexAt(raw, i + 1);
      const l = h < 0 ? -1 : hexAt(raw, i + 2);
      if (l < 0) return reject("invalid-percent-encoding");
      const b = h * 16 + l;
      let replacement: string;
      if (b >= 0x80) {
        if (!feed(b)) return reject("invalid-utf8");
        if (need === 0 && foldsToAscii(cp)) return reject("compatibility-character");
        replacement = ESCAPE[b]!;
      } else {
        if (b === Ascii.Slash) return reject("encoded-slash");
        if (b === Ascii.Backslash) return reject("encoded-backslash");
        if (b < 0x20 || b === 0x7f) return reject("control-character");
        // Upstreams that strip `;params` after decoding read `/..%3B/` as `/../`.
        if (b === Ascii.Semicolon && !options.allowPathParameters) return reject("path-parameter");
        if (need > 0) return reject("invalid-utf8");
        // RFC 3986 §6.2.2.2 decodes unreserved characters. Sub-delimiters, ":" and "@" are decoded too: they
        // mean nothing special in an HTTP path and upstreams decode them, so `%3A` must not hide a `:` from
        // a rule. ";" (allowed above) stays encoded; the rest stays encoded, uppercase (§6.2.2.1).
        replacement = RAW[b] !== 0 && b !== Ascii.Semicolon ? CHAR[b]! : ESCAPE[b]!;
        if (b === Ascii.Dot && prevSlash) dotSegment = true;
        else if (b === Ascii.Percent) percent25 = true;
      }
      prevSlash = false;
      const same =
        replacement.length === 3 &&
        replacement.charCodeAt(1) === raw.charCodeAt(i + 1) &&
        replacement.charCodeAt(2) === raw.charCodeAt(i + 2);
      if (!same) {
        out += raw.slice(start, i) + replacement;
        start = i + 3;
      }
      i += 2;
      continue;
    }
    if (c >= 128) {
      let cp = c;
      let width = 1;
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = raw.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return reject("invalid-utf8");
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        width = 2;
      }
      // Raw non-ASCII is treated as its UTF-8 bytes, so it cannot complete a pending escaped sequence.
      if (need > 0) return reject("invalid-utf8");
      if (foldsToAscii(cp)) return reject("compatibility-character");
      out += raw.slice(start, i) + utf8Escapes(cp);
      i += width - 1;
      start = i + 1;
      prevSlash = false;
      continue;
    }
    if (c === Ascii.Backslash) return reject("backslash");
    if (c < 0x20 || c === 0x7f) return reject("control-character");
    if (c === Ascii.Semicolon && !options.allowPathParameters) return reject("path-parameter");
    if (need > 0) return reject("invalid-utf8");
    const slash = c === Ascii.Slash;
    if (c === Ascii.Dot && prevSlash) dotSegment = true;
    if (slash && prevSlash) {
      // Merge runs of slashes.
      out += raw.slice(start, i);
      start = i + 1;
    } else if (RAW[c] === 0) {
      out += raw.slice(start, i) + ESCAPE[c];
      start = i + 1;
    }
    prevSlash = slash;
  }
  out += raw.slice(start);
  if (need > 0) return reject("invalid-utf8");
  // Checked on the output, so `%25%34%31` (decoding to `%2541`) is caught as well as `%2541`.
  if (percent25 && !options.allowDoubleEncoding && /%25[0-9A-Fa-f]{2}/.test(out)) {
    return reject("double-encoding");
  }
  return { ok: true, path: dotSegment ? removeDotSegments(out) : out };
}

/**
 * A non-ASCII character whose compatibility form holds ASCII: fullwidth `ａ` and `／`, `‥` (two dots),
 * ligatures, the Kelvin sign. An upstream that normalises paths (NFKC, IIS best-fit) reads it as
 * letters or path syntax the rules never saw, so it is refused rather than guessed at.
 */
function foldsToAscii(cp: number): boolean {
  const folded = String.fromCodePoint(cp).normalize("NFKC");
  for (let i = 0; i < folded.length; i++) if (folded.charCodeAt(i) < 0x80) return true;
  return false;
}

function utf8Escapes(cp: number): string {
  if (cp < 0x800) return ESCAPE[0xc0 | (cp >> 6)]! + ESCAPE[0x80 | (cp & 0x3f)]!;
  if (cp < 0x10000) {
    return ESCAPE[0xe0 | (cp >> 12)]! + ESCAPE[0x80 | ((cp >> 6) & 0x3f)]! + ESCAPE[0x80 | (cp & 0x3f)]!;
  }
  return (
    ESCAPE[0xf0 | (cp >> 18)]! +
    ESCAPE[0x80 | ((cp >> 12) & 0x3f)]! +
    ESCAPE[0x80 | ((cp >> 6) & 0x3f)]! +
    ESCAPE[0x80 | (cp & 0x3f)]!
  );
}

// RFC 3986 §5.2.4 on a path that starts with "/" and has no empty segment except possibly the last:
// "." segments are dropped, ".." also drops the output's last segment, and a trailing one leaves "/".
function removeDotSegments(path: string): string {
  let out = "";
  for (let i = 0; i < path.length; ) {
    let j = path.indexOf("/", i + 1);
    if (j < 0) j = path.length;
    const dot = path.charCodeAt(i + 1) === Ascii.Dot;
    const dotDot = dot && j === i + 3 && path.charCodeAt(i + 2) === Ascii.Dot;
    if (dotDot) out = out.slice(0, Math.max(0, out.lastIndexOf("/")));
    if (dotDot || (dot && j === i + 2)) {
      if (j === path.length) out += "/";
    } else out += path.slice(i, j);
    i = j;
  }
  return out === "" ? "/" : out;
}
