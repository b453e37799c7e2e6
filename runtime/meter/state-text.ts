// The decision log's meter state, `{ meterId: { window: "used/limit" } }` ("used" alone when counting
// only), as JSON text. The keys, their order and the limits are the same for every request of an
// admission plan, so the text is cut once into pieces around the counts; a request joins its counts
// with them instead of building two objects per meter and serialising them (about 3k instructions
// per request with the benchmark's one meter, callgrind).
import type { CounterTake } from "./types.ts";

export interface StateTemplate {
  /** pieces[k] comes before the k-th count written, the last piece after all of them. */
  readonly pieces: readonly string[];
  /** Which take's count is the k-th written (a window written twice keeps its last take). */
  readonly slots: readonly number[];
}

const SLOT = /"<(\d+)>"/g;

export function stateTemplate(takes: readonly (CounterTake & { readonly meter: string })[]): StateTemplate {
  // The shape, with a marker for each count: JSON.stringify decides key order (integer-like ids
  // first, as in any object) and escaping. Ids and window names cannot hold "<".
  const shape: Record<string, Record<string, string>> = {};
  takes.forEach((take, index) => {
    const windows = Object.hasOwn(shape, take.meter) ? shape[take.meter]! : {};
    shape[take.meter] = windows;
    windows[take.window] = `<${index}>`;
  });
  const text = JSON.stringify(shape);
  const pieces: string[] = [];
  const slots: number[] = [];
  let from = 0;
  let after = ""; // what follows the previous count: its "/limit" and closing quote
  for (const match of text.matchAll(SLOT)) {
    const index = Number(match[1]);
    pieces.push(`${after}${text.slice(from, match.index)}"`);
    slots.push(index);
    const limit = takes[index]!.limit;
    after = limit === null ? '"' : `/${limit}"`;
    from = match.index + match[0].length;
  }
  pieces.push(after + text.slice(from));
  return { pieces, slots };
}

/** The state text for the counts read (counts[i] for takes[i], already formatted). */
export function stateText(template: StateTemplate, counts: readonly string[]): string {
  const { pieces, slots } = template;
  let text = pieces[0]!;
  for (let k = 0; k < slots.length; k++) text += counts[slots[k]!]! + pieces[k + 1]!;
  return text;
}
