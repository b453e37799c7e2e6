// The language of canonical paths (runtime/request/canonical-path.ts, SPEC §5): `/`, then
// segments that are neither empty (runs of `/` are merged; only the last may be empty) nor
// `.` or `..`, made of unreserved characters, sub-delimiters, `:` and `@`, and upper-case
// escapes of everything else except `/`, `\`, control characters and the unreserved ones
// (which are decoded). UTF-8 validity of escaped bytes is not modelled, so this is a small
// superset; that is safe for every "always" claim the analysis makes, and examples are
// checked against the decision functions before they are shown.
import type { IrProxyOptions } from "../ir/index.ts";
import { type Language, patternLanguage, subtract } from "./language.ts";

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** `%XX` escapes that survive canonicalisation, grouped by their first hex digit. */
function escapes(): string {
  const groups: string[] = [];
  for (let high = 2; high < 16; high++) {
    const lows: string[] = [];
    for (let low = 0; low < 16; low++) {
      const byte = high * 16 + low;
      if (byte === 0x7f || byte === 0x2f || byte === 0x5c) continue;
      if (byte < 0x80 && UNRESERVED.test(String.fromCharCode(byte))) continue;
      lows.push(low.toString(16).toUpperCase());
    }
    if (lows.length > 0) groups.push(`${high.toString(16).toUpperCase()}[${lows.join("")}]`);
  }
  return `%(?:${groups.join("|")})`;
}

function canonicalPattern(pathParameters: boolean): string {
  const raw = `[A-Za-z0-9\\-_~!$&'()*+,=:@${pathParameters ? ";" : ""}]`;
  const notDot = `(?:${raw}|${escapes()})`;
  const any = `(?:${notDot}|\\.)`;
  const segment = `(?:${notDot}${any}*|\\.${notDot}${any}*|\\.\\.${any}+)`;
  return `^/(?:${segment}/)*(?:${segment})?$`;
}

const cache = new Map<string, Language>();

/** Canonical paths a proxy with these options lets through to its rules. */
export function canonicalPaths(options: Pick<IrProxyOptions, "allowPathParameters" | "allowDoubleEncoding">) {
  const key = `${options.allowPathParameters}:${options.allowDoubleEncoding}`;
  let language = cache.get(key);
  if (language) return language;
  const built = patternLanguage(canonicalPattern(options.allowPathParameters), false);
  if (!built.ok) throw new Error(`canonical path language: ${built.reason}`);
  language = built.language;
  if (!options.allowDoubleEncoding) {
    const doubled = patternLanguage("%25[0-9A-Fa-f]{2}", false);
    if (!doubled.ok) throw new Error(`double encoding language: ${doubled.reason}`);
    language = subtract(language, doubled.language);
  }
  cache.set(key, language);
  return language;
}

/** Every canonical path any proxy can see: the set the analysis reasons over. */
export function anyCanonicalPath(): Language {
  return canonicalPaths({ allowPathParameters: true, allowDoubleEncoding: true });
}
