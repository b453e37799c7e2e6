// The whole `rrc diff` answer, as rendered to JSON and Markdown.
import { SideAccess } from "./access.ts";
import { comparePairs, type PairDiff } from "./compare.ts";
import { compareRules, type DefaultChange, type RuleChange } from "./rules.ts";
import type { Side } from "./sides.ts";

export interface SideInfo {
  readonly source: string;
  readonly kind: Side["kind"];
  readonly revision: string;
}

export interface DiffReport {
  readonly old: SideInfo;
  readonly new: SideInfo;
  /** Some request may now be allowed that was denied (sure, conditional, or not decidable). */
  readonly widens: boolean;
  readonly narrows: boolean;
  readonly pairs: readonly PairDiff[];
  readonly rules: readonly RuleChange[];
  readonly defaults: readonly DefaultChange[];
  /** Rules whose path pattern the automata do not model; they count as conditional. */
  readonly unmodelled: { readonly old: readonly string[]; readonly new: readonly string[] };
}

export function diffSides(old: Side, next: Side): DiffReport {
  const accesses = [new SideAccess(old.flat), new SideAccess(next.flat)] as const;
  const pairs = comparePairs(old, next, accesses);
  const { rules, defaults } = compareRules(old.flat, next.flat);
  const kinds = new Set(pairs.flatMap((pair) => pair.flips.map((flip) => flip.kind)));
  return {
    old: info(old),
    new: info(next),
    widens: kinds.has("widened") || kinds.has("may-widen") || pairs.some((pair) => pair.incomplete !== null),
    narrows: kinds.has("narrowed") || kinds.has("may-narrow"),
    pairs,
    rules,
    defaults,
    unmodelled: { old: accesses[0].unmodelled, new: accesses[1].unmodelled },
  };
}

function info(side: Side): SideInfo {
  return { source: side.label, kind: side.kind, revision: side.revision };
}
