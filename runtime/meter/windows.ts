// Calendar-aligned UTC windows (SPEC §6). The Redis store computes the same bounds in Lua from
// the server clock (redis-scripts.ts); test/meter checks the two agree.
import type { MeterWindow } from "./types.ts";

export const WINDOWS: readonly MeterWindow[] = ["minute", "hour", "day", "month"];

const FIXED: Readonly<Record<Exclude<MeterWindow, "month">, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The window containing `nowMs`: [start, end) in ms since the epoch. */
export function windowBounds(window: MeterWindow, nowMs: number): { start: number; end: number } {
  if (window === "month") {
    const date = new Date(nowMs);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth();
    return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  }
  const size = FIXED[window];
  const start = Math.floor(nowMs / size) * size;
  return { start, end: start + size };
}

/**
 * Whether a counter at `used` admits a request. Request meters need room for their increment; value
 * meters (increment 0) only need to be below the limit, since their amount is known after the response.
 */
export function hasRoom(used: number, limit: number | null, increment: number): boolean {
  if (limit === null) return true;
  return increment > 0 ? used + increment <= limit : used < limit;
}

/** A counter window's key: `rrc:meter:{proxy}:{meter}:{credential|*}:{window}:{startSeconds}`. */
export function windowKey(counter: string, window: MeterWindow, startMs: number): string {
  return `rrc:meter:${counter}:${window}:${Math.floor(startMs / 1000)}`;
}
