// A counting stand-in for the `re2` module passed to a decision module's
// `instantiate({ RE2 })`: every RE2.Set it builds counts its match() and test() calls.
import RE2 from "re2";
import type { Re2Module, Re2Set } from "../../runtime/decision/engine.ts";

export interface Re2Counts {
  sets: number;
  calls: number;
}

export function countingRe2(counts: Re2Counts): Re2Module {
  const real = RE2 as unknown as Re2Module;
  class CountingSet implements Re2Set {
    readonly #inner: Re2Set;
    constructor(patterns: readonly string[], flags?: string, options?: { anchor?: string; maxMem?: number }) {
      this.#inner = new real.Set(patterns, flags, options);
      counts.sets++;
    }
    match(input: Buffer): number[] {
      counts.calls++;
      return this.#inner.match(input);
    }
    test(input: Buffer): boolean {
      counts.calls++;
      return this.#inner.test(input);
    }
  }
  return { Set: CountingSet };
}
