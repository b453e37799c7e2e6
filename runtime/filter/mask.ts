// `mask` (SPEC §7): replaces sensitive substrings of every string value (never keys). All detectors and
// patterns of one filter are searched on the original string and overlapping spans are merged, so the
// result does not depend on their order and no part of any match survives.

import RE2 from "re2";
import type { Detector } from "../../compiler/authoring/types.ts";
import { normalizeForNodeRe2, SET_FLAGS } from "../../compiler/regex/set-pattern.ts";
import { DETECTORS } from "./detectors.ts";
import { type Finder, regexFinder } from "./finder.ts";
import { isContainer, rebuildArray, rebuildObject } from "./own.ts";

export const DEFAULT_REPLACEMENT = "[REDACTED]";

export interface MaskSpec {
  readonly detect?: readonly Detector[];
  readonly patterns?: readonly string[];
  readonly replacement?: string;
}

export function compileMask(spec: MaskSpec): (document: unknown) => unknown {
  const finders: Finder[] = [...new Set(spec.detect ?? [])].map((name) => DETECTORS[name]);
  for (const pattern of spec.patterns ?? []) finders.push(regexFinder(normalizeForNodeRe2(pattern)));
  if (finders.length === 0) return (document) => document;
  // One pass of a set rules out most strings before any finder runs.
  const prefilter = new RE2.Set(
    finders.map((finder) => finder.setPattern),
    SET_FLAGS,
    { anchor: "unanchored" },
  );
  const replacement = spec.replacement ?? DEFAULT_REPLACEMENT;

  const maskString = (text: string): string => {
    if (!prefilter.test(text)) return text;
    const spans: number[] = [];
    for (const finder of finders) finder.find(text, spans);
    return spans.length === 0 ? text : redact(text, spans, replacement);
  };
  const maskValue = (node: unknown): unknown => {
    if (typeof node === "string") return maskString(node);
    if (!isContainer(node)) return node;
    return Array.isArray(node)
      ? rebuildArray(node, maskValue)
      : rebuildObject(node as Record<string, unknown>, maskValue);
  };
  return maskValue;
}

/** Replaces the union of the spans (`start, end` pairs); overlapping spans become one replacement. */
export function redact(text: string, spans: readonly number[], replacement: string): string {
  const order = Array.from({ length: spans.length / 2 }, (_, i) => 2 * i);
  order.sort((a, b) => spans[a]! - spans[b]! || spans[b + 1]! - spans[a + 1]!);
  let out = "";
  let cursor = 0; // text before this offset is already in `out`, or replaced
  for (const i of order) {
    const start = spans[i]!;
    const end = spans[i + 1]!;
    if (start < cursor) {
      if (end > cursor) cursor = end;
    } else {
      out += text.slice(cursor, start) + replacement;
      cursor = end;
    }
  }
  return out + text.slice(cursor);
}
