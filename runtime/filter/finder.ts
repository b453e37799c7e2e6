// A finder reports the spans of one kind of sensitive substring. Every finder is RE2 (linear time, no
// catastrophic backtracking on response data) and also contributes its pattern to the mask's prefilter set.

import RE2 from "re2";

export interface Finder {
  /** A pattern that matches wherever `find` could report something (a member of an RE2.Set, flags "u"). */
  readonly setPattern: string;
  /** Pushes `start, end` (UTF-16 offsets, end exclusive) of every non-empty match in `text`. */
  find(text: string, spans: number[]): void;
}

/** Runs a global RE2 over `text`, calling `found` for each non-empty match. */
export function eachMatch(regex: RE2, text: string, found: (start: number, end: number) => void): void {
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const end = match.index + match[0].length;
    if (end > match.index) found(match.index, end);
    else {
      // An empty match would be found again: step over one code point (node-re2 misreads a lastIndex that
      // falls between the halves of a surrogate pair).
      const code = text.charCodeAt(end);
      regex.lastIndex = end + (code >= 0xd800 && code < 0xdc00 ? 2 : 1);
    }
  }
}

/** A finder for an already-normalized RE2 source, every match reported. */
export function regexFinder(source: string): Finder {
  const regex = new RE2(source, "gu");
  return {
    setPattern: source,
    find(text, spans) {
      eachMatch(regex, text, (start, end) => spans.push(start, end));
    },
  };
}
