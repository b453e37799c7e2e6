// The analysis' one inner loop: a breadth-first walk of the product of several DFAs, built
// lazily and stopped at the first word found, instead of materialising complements and
// intersections. The alphabet is small (path ASCII plus two markers), so each DFA becomes a
// dense transition table once, cached per automaton.
import { CharSet, DFA, Words } from "refa";
import { type Language, LanguageTooLarge } from "./language.ts";
import { MARK_END, MARK_START, MAX_CHAR } from "./regex-parse.ts";

/** Product states one query may visit. */
export const MAX_TUPLES = 20_000;

const ALPHABET = MAX_CHAR + 1;
const DEAD = -1;

interface Table {
  readonly initial: number;
  /** next[state * ALPHABET + char], DEAD when there is no transition. */
  readonly next: Int32Array;
  readonly final: Uint8Array;
  /** Some final state is reachable. */
  readonly live: Uint8Array;
  /** Accepts every remainder of a path from here (any ASCII, then the end marker). */
  readonly full: Uint8Array;
  /** Per character, a number shared exactly by the characters whose transitions agree. */
  readonly column: Int32Array;
}

const tables = new WeakMap<Language, Table>();

function tableOf(language: Language): Table {
  let table = tables.get(language);
  if (table) return table;
  const ids = new Map<unknown, number>();
  const nodes = [...language.nodes()];
  for (const [id, node] of nodes.entries()) ids.set(node, id);
  const size = nodes.length;
  const next = new Int32Array(size * ALPHABET).fill(DEAD);
  const final = new Uint8Array(size);
  nodes.forEach((node, id) => {
    if (language.finals.has(node)) final[id] = 1;
    for (const [range, target] of node.out) {
      next.fill(ids.get(target)!, id * ALPHABET + range.min, id * ALPHABET + range.max + 1);
    }
  });
  table = {
    initial: ids.get(language.initial)!,
    next,
    final,
    live: liveStates(size, next, final),
    full: fullStates(size, next, final),
    column: columns(size, next),
  };
  tables.set(language, table);
  return table;
}

function columns(size: number, next: Int32Array): Int32Array {
  const column = new Int32Array(ALPHABET);
  const representatives: number[] = [];
  for (let c = 0; c < ALPHABET; c++) {
    let id = representatives.findIndex((other) => {
      for (let state = 0; state < size; state++) {
        if (next[state * ALPHABET + c] !== next[state * ALPHABET + other]) return false;
      }
      return true;
    });
    if (id < 0) {
      id = representatives.length;
      representatives.push(c);
    }
    column[c] = id;
  }
  return column;
}

/** States from which a final state can be reached: a backwards walk from the finals. */
function liveStates(size: number, next: Int32Array, final: Uint8Array): Uint8Array {
  const incoming: number[][] = Array.from({ length: size }, () => []);
  for (let state = 0; state < size; state++) {
    let previous = DEAD;
    for (let c = 0; c < ALPHABET; c++) {
      const to = next[state * ALPHABET + c]!;
      if (to !== DEAD && to !== previous) incoming[to]!.push(state);
      previous = to;
    }
  }
  const live = Uint8Array.from(final);
  const work: number[] = [];
  for (let state = 0; state < size; state++) if (live[state]) work.push(state);
  while (work.length > 0) {
    for (const from of incoming[work.pop()!]!) {
      if (!live[from]) {
        live[from] = 1;
        work.push(from);
      }
    }
  }
  return live;
}

function fullStates(size: number, next: Int32Array, final: Uint8Array): Uint8Array {
  const full = new Uint8Array(size);
  for (let state = 0; state < size; state++) {
    const end = next[state * ALPHABET + MARK_END]!;
    full[state] = end !== DEAD && final[end] ? 1 : 0;
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (let state = 0; state < size; state++) {
      if (!full[state]) continue;
      for (let c = 0; c < 0x80; c++) {
        const to = next[state * ALPHABET + c]!;
        if (to === DEAD || !full[to]) {
          full[state] = 0;
          changed = true;
          break;
        }
      }
    }
  }
  return full;
}

export interface WordQuery {
  readonly subject: Language;
  /** The word must be in none of these. */
  readonly avoid: readonly Language[];
  /** The word must be in at least one language of each group (an empty group: no word). */
  readonly within: readonly (readonly Language[])[];
}

/** Role of a product component: the subject, one to avoid, or a member of `within` group g (2 + g). */
const SUBJECT = 0;
const AVOID = 1;

/**
 * The shortest path (markers removed) of the subject that meets the query, or null. A
 * product state lists only the components still alive (component, state, component,
 * state…): an avoided or wanted automaton that can no longer accept is dropped, so with
 * hundreds of rules sharing a trie of prefixes each state carries only the few that share
 * its prefix.
 */
export function findPath(query: WordQuery): string | null {
  if (query.within.some((group) => group.length === 0)) return null;
  const parts = [query.subject, ...query.avoid, ...query.within.flat()].map(tableOf);
  const roles = [
    SUBJECT,
    ...query.avoid.map(() => AVOID),
    ...query.within.flatMap((group, g) => group.map(() => 2 + g)),
  ];
  const groups = query.within.length;
  const classes = charClasses(parts);
  const start: number[] = [];
  for (const [part, table] of parts.entries()) start.push(part, table.initial);
  const seen = new Set<string>([start.join(",")]);
  const states: number[][] = [start];
  const from: number[] = [-1];
  const via: number[] = [-1];
  const subject = parts[0]!;
  const present = new Uint8Array(groups);
  for (let at = 0; at < states.length; at++) {
    const tuple = states[at]!;
    if (accepts(tuple, parts, roles, present)) return pathOf(at, from, via);
    const own = tuple[1]!;
    for (const chars of classes) {
      const c = chars[0]!;
      const ownNext = subject.next[own * ALPHABET + c]!;
      if (ownNext === DEAD || !subject.live[ownNext]) continue;
      const moved = step(tuple, c, parts, roles, present);
      if (moved === null) continue;
      const key = moved.join(",");
      if (seen.has(key)) continue;
      if (states.length >= MAX_TUPLES) throw new LanguageTooLarge(`more than ${MAX_TUPLES} product states`);
      seen.add(key);
      states.push(moved);
      from.push(at);
      via.push(readable(chars));
    }
  }
  return null;
}

/** The product state after `c`, keeping live components; null when no word can meet the query from there. */
function step(
  tuple: readonly number[],
  c: number,
  parts: readonly Table[],
  roles: readonly number[],
  present: Uint8Array,
): number[] | null {
  present.fill(0);
  const moved: number[] = [];
  for (let i = 0; i < tuple.length; i += 2) {
    const part = tuple[i]!;
    const table = parts[part]!;
    const next = table.next[tuple[i + 1]! * ALPHABET + c]!;
    if (next === DEAD || !table.live[next]) continue;
    const role = roles[part]!;
    // Every remainder of the path is avoided: nothing to find here.
    if (role === AVOID && table.full[next]) return null;
    if (role >= 2) present[role - 2] = 1;
    moved.push(part, next);
  }
  if (present.some((flag) => flag === 0)) return null;
  return moved;
}

function accepts(
  tuple: readonly number[],
  parts: readonly Table[],
  roles: readonly number[],
  present: Uint8Array,
): boolean {
  if (!parts[0]!.final[tuple[1]!]) return false;
  present.fill(0);
  for (let i = 2; i < tuple.length; i += 2) {
    const part = tuple[i]!;
    if (!parts[part]!.final[tuple[i + 1]!]) continue;
    const role = roles[part]!;
    if (role === AVOID) return false;
    present[role - 2] = 1;
  }
  return present.every((flag) => flag === 1);
}

/** Characters no table tells apart, as lists; each list is one step of the walk. */
function charClasses(parts: readonly Table[]): number[][] {
  const byColumn = new Map<string, number[]>();
  for (let c = 0; c < ALPHABET; c++) {
    let key = "";
    for (const table of parts) key += `${table.column[c]},`;
    const chars = byColumn.get(key);
    if (chars) chars.push(c);
    else byColumn.set(key, [c]);
  }
  return [...byColumn.values()];
}

function readable(chars: readonly number[]): number {
  return Words.pickMostReadableCharacter(CharSet.fromCharacters(MAX_CHAR, chars)) ?? chars[0]!;
}

function pathOf(at: number, from: readonly number[], via: readonly number[]): string {
  const word: number[] = [];
  for (let step = at; from[step]! >= 0; step = from[step]!) word.push(via[step]!);
  word.reverse();
  return Words.fromUnicodeToString(word.slice(1, -1));
}

/** Up to `count` readable paths of the language, shortest first: each the shortest path not
 * found before. (refa's word enumeration walks paths, not states, and can exhaust memory.) */
export function witnesses(language: Language, count = 1): string[] {
  const found: string[] = [];
  try {
    while (found.length < count) {
      const words = found.map((path) => [
        MARK_START,
        ...Array.from(path, (ch) => ch.charCodeAt(0)),
        MARK_END,
      ]);
      const avoid = words.length > 0 ? [DFA.fromWords(words, { maxCharacter: MAX_CHAR })] : [];
      const path = findPath({ subject: language, avoid, within: [] });
      if (path === null) break;
      found.push(path);
    }
  } catch (error) {
    if (!(error instanceof LanguageTooLarge)) throw error;
  }
  return found;
}
