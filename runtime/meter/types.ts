// The meter stage's contracts (SPEC §6): what the gateway hands in, what it gets back, and the
// store interface both the embedded store and Redis implement.
import type { MeterWindow } from "../../compiler/authoring/types.ts";
import type { JsonText } from "../json/text.ts";

export type { MeterWindow };

export interface MeterRequest {
  readonly proxy: string;
  /** The proxy credential the request authenticated as. */
  readonly credential: string;
  readonly method: string;
  readonly canonicalPath: string;
}

export interface Admission {
  readonly admitted: boolean;
  /**
   * Response headers: `ratelimit-policy` and `ratelimit` (draft-ietf-httpapi-ratelimit-headers) for the
   * tightest applicable limit, and `retry-after` (seconds until every exceeded window resets) when
   * rejected. Lower-case names; empty when no limit applies.
   */
  readonly headers: readonly (readonly [string, string])[];
  /** The meter id that rejected, or null. */
  readonly exceeded: string | null;
  /** For the decision log: `{ meterId: { window: "used/limit" } }` ("used" alone for counting-only). */
  readonly state: Readonly<Record<string, unknown>> | null;
  /** `state` as the decision record writes it (the object above is read back from this text). */
  readonly stateText: JsonText | null;
  /** The meters that counted this request, each once. */
  readonly meterIds: readonly string[];
  /** True when a `value` meter applies: the gateway must collect a 2xx JSON response and call settle(). */
  readonly needsResponse: boolean;
  /** Adds the value meters' numbers extracted from the 2xx JSON response document. Never throws. */
  settle(document: unknown): Promise<void>;
}

/** The store could not be reached or answered an error; the gateway answers 503 (SPEC §12). */
export class MeterStoreUnavailable extends Error {
  readonly code = "meter-store-unavailable";
  override readonly name = "MeterStoreUnavailable";
}

/** One window counter of one meter, as admission asks for it. */
export interface CounterTake {
  /** `{proxy}:{meter}:{credential|*}`; the store adds its prefix and `:{window}:{windowStart}`. */
  readonly counter: string;
  readonly window: MeterWindow;
  /** null: counting only, never blocks. */
  readonly limit: number | null;
  /** 1 for request meters; 0 for value meters, which only check `used < limit` at admission. */
  readonly increment: number;
}

export interface CounterReading {
  /** After the increment when admitted; as found when rejected. */
  readonly used: number;
  /** Window bounds in ms since the epoch, on the store's clock. */
  readonly windowStart: number;
  readonly windowEnd: number;
}

export interface TakeResult {
  readonly admitted: boolean;
  /** The store's clock (ms) when it decided: resets are measured from here, not the local clock. */
  readonly now: number;
  /** One per CounterTake, in order. */
  readonly counters: readonly CounterReading[];
}

export interface CounterAdd {
  readonly counter: string;
  readonly window: MeterWindow;
  readonly amount: number;
}

export interface MeterStore {
  readonly kind: "embedded" | "redis";
  /**
   * Atomically: reads every counter in its current window; if every limited one has room, adds every
   * increment; otherwise changes nothing. Throws (or rejects with) MeterStoreUnavailable. A store in
   * this process answers synchronously, sparing the gateway a promise per request.
   */
  take(counters: readonly CounterTake[]): TakeResult | Promise<TakeResult>;
  /** Adds amounts to counters in their current windows (value meters). Throws MeterStoreUnavailable. */
  add(counters: readonly CounterAdd[]): Promise<void>;
  close(): Promise<void>;
}
