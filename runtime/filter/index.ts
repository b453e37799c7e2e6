// Response filters (SPEC §7), compiled once per proxy × credential at start-up into a program whose
// `select` is called per request: it answers null (stream the response through) without allocating, or the
// plan of the filters that apply, composed in SPEC order.

import type { Filter } from "../../compiler/authoring/types.ts";
import { compilePathMatcher, type PathMatcher } from "../request/path-matcher.ts";
import { compileDestroy } from "./destroy.ts";
import { compileTextDestroy, type TextDestroy } from "./destroy-text.ts";
import { type CompiledPath, compilePath } from "./locate.ts";
import { compileMask } from "./mask.ts";
import { compileRetain } from "./retain.ts";

/** The four stages in SPEC order: target credential, target, proxy credential, proxy. */
export interface FilterStages {
  readonly targetCredential: readonly Filter[];
  readonly target: readonly Filter[];
  readonly proxyCredential: readonly Filter[];
  readonly proxy: readonly Filter[];
}

export interface FilterProgram {
  /**
   * The filters that apply to this request, or null when none does (then the response streams through
   * unbuffered).
   */
  select(method: string, canonicalPath: string): FilterPlan | null;
}

export interface FilterPlan {
  /** Runs the filters in order, each on the previous one's output; the input is never mutated. */
  apply(document: unknown): unknown;
  /**
   * JSON.stringify(apply(JSON.parse(text))) written from the text in one pass, or undefined where that
   * pass is not certain of the answer (then parse and apply). Null when the plan is not destroy-only.
   */
  readonly applyToText: TextDestroy | null;
  /** How many filters apply. */
  readonly count: number;
}

type Operation = (document: unknown) => unknown;

interface Entry {
  /** Null: any method (an omitted or empty list, as in the gateway's rule tables). */
  readonly methods: ReadonlySet<string> | null;
  /** Index into the program's path regexes, or -1 for any path. */
  readonly path: number;
  readonly operation: Operation;
  /** A destroy filter's paths; null for retain and mask. */
  readonly destroyPaths: readonly CompiledPath[] | null;
}

// Plans are cached by the bit set of applicable filters when it fits in a small integer; the cache is
// bounded because the number of distinct combinations a policy can produce is not.
const MAX_BITS = 30;
const MAX_CACHED_PLANS = 1024;
const NONE: FilterProgram = { select: () => null };

export function compileFilters(stages: FilterStages): FilterProgram {
  const filters = [...stages.targetCredential, ...stages.target, ...stages.proxyCredential, ...stages.proxy];
  if (filters.length === 0) return NONE;

  // Identical path regexes are compiled, and tested per request, once.
  const regexIndex = new Map<string, number>();
  const regexes: PathMatcher[] = [];
  const entries: Entry[] = filters.map((filter) => {
    const match = filter.match;
    let path = -1;
    if (match?.path !== undefined) {
      const ignoreCase = match.flags === "i";
      const key = (ignoreCase ? "i/" : "/") + match.path;
      path = regexIndex.get(key) ?? -1;
      if (path < 0) {
        path = regexes.push(compilePathMatcher(match.path, ignoreCase)) - 1;
        regexIndex.set(key, path);
      }
    }
    const methods = match?.methods !== undefined && match.methods.length > 0 ? new Set(match.methods) : null;
    const destroyPaths = filter.op === "destroy" ? filter.paths.map(compilePath) : null;
    return { methods, path, operation: compileOperation(filter), destroyPaths };
  });

  // Per request: 0 untested, 1 matches, 2 does not (select is synchronous, so one scratch array suffices).
  const tested = new Uint8Array(regexes.length);
  const plans = new Map<number, FilterPlan>();
  const useBits = entries.length <= MAX_BITS;

  const applies = (entry: Entry, method: string, canonicalPath: string): boolean => {
    if (entry.methods !== null && !entry.methods.has(method)) return false;
    if (entry.path < 0) return true;
    let state = tested[entry.path]!;
    if (state === 0) {
      state = regexes[entry.path]!.test(canonicalPath) ? 1 : 2;
      tested[entry.path] = state;
    }
    return state === 1;
  };

  return {
    select(method, canonicalPath) {
      tested.fill(0);
      if (useBits) {
        let bits = 0;
        for (let i = 0; i < entries.length; i++) {
          if (applies(entries[i]!, method, canonicalPath)) bits |= 1 << i;
        }
        if (bits === 0) return null;
        let plan = plans.get(bits);
        if (plan === undefined) {
          plan = makePlan(entries.filter((_, i) => (bits & (1 << i)) !== 0));
          if (plans.size < MAX_CACHED_PLANS) plans.set(bits, plan);
        }
        return plan;
      }
      let chosen: Entry[] | undefined;
      for (const entry of entries) {
        if (!applies(entry, method, canonicalPath)) continue;
        if (chosen === undefined) chosen = [];
        chosen.push(entry);
      }
      return chosen === undefined ? null : makePlan(chosen);
    },
  };
}

function compileOperation(filter: Filter): Operation {
  switch (filter.op) {
    case "destroy":
      return compileDestroy(filter.paths);
    case "retain":
      return compileRetain(filter.paths);
    case "mask":
      return compileMask(filter);
  }
}

function makePlan(entries: readonly Entry[]): FilterPlan {
  const operations = entries.map((entry) => entry.operation);
  const destroyOnly = entries.every((entry) => entry.destroyPaths !== null);
  return {
    count: operations.length,
    applyToText: destroyOnly
      ? compileTextDestroy(entries.flatMap((entry) => entry.destroyPaths ?? []))
      : null,
    apply(document) {
      let result = document;
      for (const operation of operations) result = operation(result);
      return result;
    },
  };
}
