// Per-request tests of one policy path pattern (filter and meter `match.path`). A fresh string
// costs node-re2 about 1 µs to convert; the common pattern `^/literal/prefix` is answered by
// startsWith instead, which means exactly the same. Everything else goes to RE2.
import { compileSingle } from "../../compiler/regex/set-pattern.ts";

export interface PathMatcher {
  test(canonicalPath: string): boolean;
}

/** `^` then characters that are literal in RE2 syntax outside a class. */
const LITERAL_PREFIX = /^\^([A-Za-z0-9/_\-~%:@!,;=&']*)$/;

export function compilePathMatcher(source: string, ignoreCase: boolean): PathMatcher {
  const literal = ignoreCase ? null : LITERAL_PREFIX.exec(source);
  if (literal !== null) {
    const prefix = literal[1]!;
    return { test: (canonicalPath) => canonicalPath.startsWith(prefix) };
  }
  return compileSingle(source, ignoreCase);
}
