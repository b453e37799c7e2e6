// The decision record's time: `Date.prototype.toISOString()` of the current millisecond. V8 formats a
// date through a printf-style routine (~7,000 instructions, callgrind); many requests share a
// millisecond and every millisecond of a second shares its first 20 characters, so a Date is
// formatted at most once per second and the milliseconds are appended.

let lastMs = Number.NaN;
let lastIso = "";
let lastSecond = Number.NaN;
let secondPrefix = "";

/** `new Date(ms).toISOString()`, formatting a Date at most once per second of `ms`. */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastIso;
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    const iso = new Date(second * 1000).toISOString();
    secondPrefix = iso.slice(0, iso.length - 4); // up to and with the "." before the milliseconds
  }
  const millis = ms - second * 1000;
  lastMs = ms;
  lastIso = `${secondPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
  return lastIso;
}
