// `rrc diff`: for each proxy × credential of either side and each method class, the
// requests whose verdict flips, from the two sides' access languages (access.ts). Each
// request falls in one of three classes per side: allowed (surely), conditional (allowed
// for some headers, query, body or claims) and denied. Allowed ↔ denied are sure flips;
// moves into or out of "conditional" are "may" flips; conditional → conditional is not a
// flip (the rule changes list shows what changed). Examples are witness paths of the flip
// languages, and each is decided by both sides' decision functions before it is shown.

import type { Decision } from "../../runtime/decision/types.ts";
import {
  equivalent,
  intersect,
  type Language,
  LanguageTooLarge,
  nothing,
  subtract,
  union,
} from "../analyze/language.ts";
import { METHOD_CLASSES } from "../analyze/model.ts";
import { witnesses } from "../analyze/product.ts";
import { type Access, DIFF_LIMIT, type SideAccess } from "./access.ts";
import { type PathSummary, summarisePaths } from "./describe.ts";
import type { Side } from "./sides.ts";

export const FLIP_KINDS = ["widened", "narrowed", "may-widen", "may-narrow"] as const;
export type FlipKind = (typeof FLIP_KINDS)[number];

export interface DecisionSummary {
  readonly verdict: Decision["verdict"];
  readonly status: number;
  readonly code: Decision["code"];
  readonly scope: Decision["scope"];
  readonly rule: string | null;
}

export interface Example {
  readonly method: string;
  readonly path: string;
  readonly old: DecisionSummary;
  readonly new: DecisionSummary;
  /** Both decision functions confirm the flip for this request (no headers, query, body or claims). */
  readonly verified: boolean;
}

export interface Flip {
  readonly kind: FlipKind;
  /** Method names; `*` stands for every method. */
  readonly methods: readonly string[];
  readonly paths: PathSummary;
  readonly examples: readonly Example[];
}

export interface PairDiff {
  readonly proxy: string;
  readonly credential: string;
  /** `added`: the new side accepts the pair and the old did not; `removed`: the other way. */
  readonly status: "added" | "removed" | "both";
  readonly flips: readonly Flip[];
  /** Set when an automaton grew past its budget: the pair could not be compared in full. */
  readonly incomplete: string | null;
}

const EXAMPLES = 2;
const NONE: Access = { key: "none", sure: nothing(), maybe: nothing() };
const OTHER_METHOD = "PURGE";

interface Classes {
  readonly allowed: Language;
  readonly conditional: Language;
  readonly possible: Language;
}

export function comparePairs(old: Side, next: Side, sides: readonly [SideAccess, SideAccess]): PairDiff[] {
  const keys = new Set<string>();
  for (const access of sides) {
    for (const proxy of access.proxies.values()) {
      for (const pair of proxy.pairs) keys.add(JSON.stringify([proxy.id, pair.credential]));
    }
  }
  const out: PairDiff[] = [];
  for (const key of [...keys].sort()) {
    const [proxy, credential] = JSON.parse(key) as [string, string];
    const diff = comparePair(sides, [old, next], proxy, credential);
    if (diff.status !== "both" || diff.flips.length > 0 || diff.incomplete) out.push(diff);
  }
  return out;
}

function comparePair(
  [oldAccess, newAccess]: readonly [SideAccess, SideAccess],
  [old, next]: readonly [Side, Side],
  proxy: string,
  credential: string,
): PairDiff {
  const oldPair = oldAccess.pair(proxy, credential);
  const newPair = newAccess.pair(proxy, credential);
  const status = oldPair && newPair ? "both" : newPair ? "added" : "removed";
  const oldCanonical = oldAccess.canonical(proxy);
  const newCanonical = newAccess.canonical(proxy);
  const everyCanonical = union([oldCanonical, newCanonical], DIFF_LIMIT);
  const patterns = [
    ...(oldPair ? oldAccess.patterns(oldPair) : []),
    ...(newPair ? newAccess.patterns(newPair) : []),
  ];
  const found = new Map<FlipKind, { bits: number[]; canonical: Language; accesses: [Access, Access] }[]>();
  try {
    for (let bit = 0; bit < METHOD_CLASSES.length; bit++) {
      const accesses: [Access, Access] = [
        oldPair ? oldAccess.access(oldPair, bit) : NONE,
        newPair ? newAccess.access(newPair, bit) : NONE,
      ];
      const flips = flipLanguages(classes(accesses[0], oldCanonical), classes(accesses[1], newCanonical));
      for (const kind of FLIP_KINDS) {
        const canonical = flips[kind];
        if (canonical.isEmpty) continue;
        const groups = found.get(kind) ?? [];
        const same = groups.find((group) => equivalent(group.canonical, canonical, DIFF_LIMIT));
        if (same) same.bits.push(bit);
        else groups.push({ bits: [bit], canonical, accesses });
        found.set(kind, groups);
      }
    }
  } catch (error) {
    if (!(error instanceof LanguageTooLarge)) throw error;
    return { proxy, credential, status, flips: [], incomplete: "the automata grew past their state budget" };
  }
  const flips: Flip[] = [];
  for (const kind of FLIP_KINDS) {
    for (const group of found.get(kind) ?? []) {
      const method =
        group.bits[0] === METHOD_CLASSES.length - 1 ? OTHER_METHOD : METHOD_CLASSES[group.bits[0]!]!;
      flips.push({
        kind,
        methods: methodNames(group.bits),
        paths: summarisePaths(rawFlip(kind, group.accesses), group.canonical, everyCanonical, patterns),
        examples: witnesses(group.canonical, EXAMPLES).map((path) =>
          example(kind, old, next, { proxy, credential, method, path }),
        ),
      });
    }
  }
  return { proxy, credential, status, flips, incomplete: null };
}

/** A side's requests split into allowed, conditional and possibly allowed; `canonical`
 * restricts them to the paths the proxy lets through (null: raw paths, for display). */
function classes(access: Access, canonical: Language | null): Classes {
  const allowed = canonical ? intersect(access.sure, canonical, DIFF_LIMIT) : access.sure;
  const possible = canonical ? intersect(access.maybe, canonical, DIFF_LIMIT) : access.maybe;
  return { allowed, possible, conditional: subtract(possible, allowed, DIFF_LIMIT) };
}

function flipLanguages(before: Classes, after: Classes): Record<FlipKind, Language> {
  return {
    widened: subtract(after.allowed, before.possible, DIFF_LIMIT),
    narrowed: subtract(before.allowed, after.possible, DIFF_LIMIT),
    "may-widen": union(
      [
        subtract(after.conditional, before.possible, DIFF_LIMIT),
        intersect(before.conditional, after.allowed, DIFF_LIMIT),
      ],
      DIFF_LIMIT,
    ),
    "may-narrow": union(
      [
        intersect(before.allowed, after.conditional, DIFF_LIMIT),
        subtract(before.conditional, after.possible, DIFF_LIMIT),
      ],
      DIFF_LIMIT,
    ),
  };
}

/** The flip over raw paths, which prints as a simpler pattern than its canonical part. */
function rawFlip(kind: FlipKind, [before, after]: readonly [Access, Access]): Language | null {
  try {
    return flipLanguages(classes(before, null), classes(after, null))[kind];
  } catch (error) {
    if (error instanceof LanguageTooLarge) return null;
    throw error;
  }
}

function methodNames(bits: readonly number[]): string[] {
  if (bits.length === METHOD_CLASSES.length) return ["*"];
  return bits.map((bit) => METHOD_CLASSES[bit]!);
}

function example(
  kind: FlipKind,
  old: Side,
  next: Side,
  request: { proxy: string; credential: string; method: string; path: string },
): Example {
  const full = { ...request, headers: {}, query: {} };
  const before = summary(old.decider.decide(full));
  const after = summary(next.decider.decide(full));
  const widens = kind === "widened" || kind === "may-widen";
  const verified = widens
    ? before.verdict === "deny" && after.verdict === "allow"
    : before.verdict === "allow" && after.verdict === "deny";
  return { method: request.method, path: request.path, old: before, new: after, verified };
}

function summary(decision: Decision): DecisionSummary {
  const { verdict, status, code, scope, rule } = decision;
  return { verdict, status, code, scope, rule };
}

export type { PathSummary };
