// Shared helpers for the filter tests.

import type { Filter } from "../../compiler/authoring/types.ts";
import { compileFilters, type FilterStages } from "../../runtime/filter/index.ts";
import { parseJsonBody } from "../../runtime/request/json-body.ts";

/** Parses like the gateway does: `__proto__` stays an own property. */
export function json(text: string): unknown {
  const result = parseJsonBody(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

export function stages(partial: Partial<FilterStages>): FilterStages {
  return { targetCredential: [], target: [], proxyCredential: [], proxy: [], ...partial };
}

/** Applies filters declared on the target to `document` for a GET of `/`. */
export function run(filters: Filter | readonly Filter[], document: unknown): unknown {
  const list = Array.isArray(filters) ? filters : [filters as Filter];
  const plan = compileFilters(stages({ target: list })).select("GET", "/");
  if (plan === null) throw new Error("no filter applies");
  return plan.apply(document);
}

/** Completes `digits` with its Luhn check digit. */
export function withCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + String((10 - (sum % 10)) % 10);
}

/** Builds a plain object whose own keys may include `__proto__`. */
export function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
