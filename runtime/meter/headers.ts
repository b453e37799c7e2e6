// Response headers of the meter stage, per draft-ietf-httpapi-ratelimit-headers-11:
//   RateLimit-Policy: "<meter>.<window>";q=<limit>;w=<window seconds>   (§3)
//   RateLimit: "<meter>.<window>";r=<available>;t=<seconds to reset>     (§4)
// and, on a 429, Retry-After (RFC 9110 §10.2.3) in seconds until every exceeded window resets.
// Only the tightest applicable limit is advertised, as the draft allows one item per field.
import type { MeterWindow } from "./types.ts";
import { hasRoom } from "./windows.ts";

export interface LimitReading {
  readonly meter: string;
  readonly window: MeterWindow;
  readonly limit: number;
  readonly increment: number;
  /** After the increment when admitted, as found when rejected. */
  readonly used: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

export interface HeaderResult {
  readonly headers: (readonly [string, string])[];
  /** The meter whose limit rejected (the one advertised), or null when admitted. */
  readonly exceeded: string | null;
}

/** Seconds from `now` to `end`, rounded up: a client that waits that long is past the reset. */
function secondsUntil(end: number, now: number): number {
  return Math.max(1, Math.ceil((end - now) / 1000));
}

export function limitHeaders(
  readings: readonly LimitReading[],
  admitted: boolean,
  now: number,
): HeaderResult {
  if (readings.length === 0) return { headers: [], exceeded: null };
  let chosen: LimitReading;
  let retryAfter: number | null = null;
  if (admitted) {
    // Tightest: least quota left; on a tie the one that resets last binds longer.
    chosen = readings[0]!;
    for (let index = 1; index < readings.length; index++) {
      const reading = readings[index]!;
      const left = available(reading);
      const bestLeft = available(chosen);
      if (left < bestLeft || (left === bestLeft && reading.windowEnd > chosen.windowEnd)) chosen = reading;
    }
  } else {
    const exceeded = readings.filter((r) => !hasRoom(r.used, r.limit, r.increment));
    const pool = exceeded.length > 0 ? exceeded : readings;
    // The exceeded window that resets last: §6 asks that Retry-After not precede its effective window.
    chosen = pool.reduce((best, r) => (r.windowEnd > best.windowEnd ? r : best));
    retryAfter = Math.max(...pool.map((r) => secondsUntil(r.windowEnd, now)));
  }
  const policy = policyOf(chosen);
  const headers: (readonly [string, string])[] = [
    ["ratelimit-policy", policy.value],
    [
      "ratelimit",
      `${policy.name};r=${admitted ? available(chosen) : 0};t=${secondsUntil(chosen.windowEnd, now)}`,
    ],
  ];
  if (retryAfter !== null) headers.push(["retry-after", String(retryAfter)]);
  return { headers, exceeded: admitted ? null : chosen.meter };
}

interface Policy {
  readonly meter: string;
  readonly window: MeterWindow;
  readonly limit: number;
  readonly windowSeconds: number;
  /** The item's key, `"<meter>.<window>"`. */
  readonly name: string;
  /** The RateLimit-Policy field value. */
  readonly value: string;
}

let lastPolicy: Policy | null = null;

/**
 * The advertised limit's key and policy field. Consecutive requests mostly advertise the same limit: its
 * strings are built (and flattened by the first header check) once, not per request.
 */
function policyOf(chosen: LimitReading): Policy {
  const windowSeconds = Math.round((chosen.windowEnd - chosen.windowStart) / 1000);
  const last = lastPolicy;
  if (
    last !== null &&
    last.meter === chosen.meter &&
    last.window === chosen.window &&
    last.limit === chosen.limit &&
    last.windowSeconds === windowSeconds
  ) {
    return last;
  }
  const name = `"${chosen.meter}.${chosen.window}"`;
  const policy = {
    meter: chosen.meter,
    window: chosen.window,
    limit: chosen.limit,
    windowSeconds,
    name,
    value: `${name};q=${chosen.limit};w=${windowSeconds}`,
  };
  lastPolicy = policy;
  return policy;
}

/** Quota left as the draft's non-negative Integer `r` (§4.1.1). */
function available(reading: LimitReading): number {
  return Math.max(0, Math.floor(reading.limit - reading.used));
}
