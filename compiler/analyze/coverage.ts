// The one question every check asks: is some request of a subject rule left once other
// rules are taken into account (product.ts answers it). Rules are grouped by the literal
// prefix of their paths, so a subject is only ever compared with rules that can share a
// path with it; answers are cached by the exact lists of rules compared, so pairs and
// credentials that see the same rules share the work.
import { LanguageTooLarge } from "./language.ts";
import { appliesTo, METHOD_CLASSES, possiblePaths, type RuleFacts } from "./model.ts";
import { findPath } from "./product.ts";

/** Rules indexed by path prefix: two rules can share a path only if one prefix extends the other. */
export class PrefixIndex {
  private readonly byPrefix = new Map<string, RuleFacts[]>();
  private readonly prefixes: string[];

  constructor(rules: Iterable<RuleFacts>) {
    for (const facts of rules) {
      const list = this.byPrefix.get(facts.prefix) ?? [];
      list.push(facts);
      this.byPrefix.set(facts.prefix, list);
    }
    this.prefixes = [...this.byPrefix.keys()].sort();
  }

  /** Rules whose paths may overlap paths starting with `prefix`, in model order. */
  around(prefix: string): RuleFacts[] {
    const found: RuleFacts[] = [];
    for (let length = 0; length <= prefix.length; length++) {
      found.push(...(this.byPrefix.get(prefix.slice(0, length)) ?? []));
    }
    let low = 0;
    let high = this.prefixes.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.prefixes[mid]! <= prefix) low = mid + 1;
      else high = mid;
    }
    for (let at = low; at < this.prefixes.length && this.prefixes[at]!.startsWith(prefix); at++) {
      found.push(...this.byPrefix.get(this.prefixes[at]!)!);
    }
    return found.sort((a, b) => a.index - b.index);
  }
}

export interface MethodGroup {
  /** Method classes (bits of METHOD_CLASSES) that see exactly `rules`. */
  readonly methods: number;
  readonly rules: readonly RuleFacts[];
}

/** Splits the subject's methods by which of `rules` apply to each (for one credential). */
export function methodGroups(
  methods: number,
  rules: readonly RuleFacts[],
  credential: string | null,
): MethodGroup[] {
  const usable = credential === null ? rules : rules.filter((facts) => appliesTo(facts, credential));
  const groups = new Map<string, { methods: number; rules: RuleFacts[] }>();
  for (let bit = 0; bit < METHOD_CLASSES.length; bit++) {
    if ((methods & (1 << bit)) === 0) continue;
    const applying = usable.filter((facts) => (facts.methods & (1 << bit)) !== 0);
    const key = applying.map((facts) => facts.index).join(",");
    const group = groups.get(key);
    if (group) group.methods |= 1 << bit;
    else groups.set(key, { methods: 1 << bit, rules: applying });
  }
  return [...groups.values()];
}

/** What a product search found: a path, or none. */
export interface Found {
  readonly path: string | null;
}

/** Product searches by subject and rule lists; null when the state budget ran out. */
export class SearchCache {
  private readonly results = new Map<string, Found | null>();
  /** Subjects (RuleFacts.index) for which some search ran out of states. */
  readonly exhausted = new Set<number>();

  /** A path of the subject matched by none of `avoid` and by some rule of each `within` group. */
  find(
    subject: RuleFacts,
    avoid: readonly RuleFacts[],
    within: readonly (readonly RuleFacts[])[] = [],
  ): Found | null {
    if (avoid.length === 0 && within.length === 0) {
      const empty = subject.matchesNoPath();
      if (empty === null) this.exhausted.add(subject.index);
      return empty === null ? null : { path: empty ? null : "" };
    }
    const ids = (rules: readonly RuleFacts[]) => rules.map((facts) => facts.index).join(",");
    // Each group bracketed: no groups and one empty group are different questions.
    const key = `${subject.index}|${ids(avoid)}|${within.map((group) => `[${ids(group)}]`).join("")}`;
    if (this.results.has(key)) return this.results.get(key)!;
    let result: Found | null = null;
    try {
      const paths = subject.paths;
      // A rule whose automaton cannot be built covers nothing for sure (its own RRC5005 says why).
      const covers = avoid.flatMap((facts) => facts.paths ?? []);
      if (paths !== null) {
        const groups = within.map((group) => group.map(possiblePaths));
        result = { path: findPath({ subject: paths, avoid: covers, within: groups }) };
      }
    } catch (error) {
      if (!(error instanceof LanguageTooLarge)) throw error;
    }
    if (result === null) this.exhausted.add(subject.index);
    this.results.set(key, result);
    return result;
  }
}

export function firstMethod(methods: number): string {
  for (let bit = 0; bit < METHOD_CLASSES.length; bit++) {
    if ((methods & (1 << bit)) !== 0)
      return bit === METHOD_CLASSES.length - 1 ? "PURGE" : METHOD_CLASSES[bit]!;
  }
  return "GET";
}
