// The named detectors of `mask` (SPEC §7). They lean towards masking: a false positive costs some
// readability, a false negative leaks a secret into a caller's (or an AI agent's) context.

import RE2 from "re2";
import type { Detector } from "../../compiler/authoring/types.ts";
import { eachMatch, type Finder, regexFinder } from "./finder.ts";

const EMAIL = "[A-Za-z0-9_.%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";

// No leading \b: `_` is a word character, so `id_sk_live_…` would otherwise slip through.
const API_KEY = [
  "(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", // Stripe
  "(?:AKIA|ASIA)[A-Z0-9]{16}", // AWS access key ids
  "gh[pousr]_[A-Za-z0-9]{20,}", // GitHub tokens
  "github_pat_[A-Za-z0-9_]{20,}", // GitHub fine-grained tokens
  "xox[abpr]-[A-Za-z0-9-]{10,}", // Slack
  "AIza[A-Za-z0-9_-]{35}", // Google API keys
  // At least 16 token characters so that prose ("Bearer authentication") is left alone.
  "(?i:bearer)[ \\t]+[A-Za-z0-9._~+/-]{16,}=*",
].join("|");

// Header, payload and signature in base64url; the signature may be empty (an unsecured JWT).
const JWT = "eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*";

// A run of at least 13 digits, each pair separated by at most one space or dash.
const DIGIT_RUN = "[0-9](?:[ -]?[0-9]){12,}";
const MIN_CARD = 13;
const MAX_CARD = 19;

/**
 * Card numbers: 13–19 digits, optionally grouped with single spaces or dashes, passing the Luhn check.
 * A run is split into its digit groups and every span of whole consecutive groups is a candidate, so a
 * card next to another number ("order 12345 4111 1111 1111 1111") is still found; a longer run of digits
 * with no separator (an id, a hash) is never cut into a card. Leftmost, then longest, valid span wins.
 */
function cardFinder(): Finder {
  const regex = new RE2(DIGIT_RUN, "gu");
  return {
    setPattern: DIGIT_RUN,
    find(text, spans) {
      eachMatch(regex, text, (start, end) => findCards(text, start, end, spans));
    },
  };
}

function findCards(text: string, start: number, end: number, spans: number[]): void {
  // Group boundaries as start, end pairs.
  const groups: number[] = [];
  let pos = start;
  while (pos < end) {
    const groupStart = pos;
    while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
    groups.push(groupStart, pos);
    pos++; // the separator
  }
  const count = groups.length / 2;
  let first = 0;
  while (first < count) {
    let digits = 0;
    let best = -1;
    for (let last = first; last < count; last++) {
      digits += groups[2 * last + 1]! - groups[2 * last]!;
      if (digits > MAX_CARD) break;
      if (digits >= MIN_CARD && luhn(text, groups[2 * first]!, groups[2 * last + 1]!)) best = last;
    }
    if (best < 0) first++;
    else {
      spans.push(groups[2 * first]!, groups[2 * best + 1]!);
      first = best + 1;
    }
  }
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The Luhn checksum over the digits of text[start, end) (separators skipped). */
export function luhn(text: string, start: number, end: number): boolean {
  let sum = 0;
  let double = false;
  for (let pos = end - 1; pos >= start; pos--) {
    const code = text.charCodeAt(pos);
    if (!isDigit(code)) continue;
    let digit = code - 0x30;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

export const DETECTORS: Readonly<Record<Detector, Finder>> = {
  email: regexFinder(EMAIL),
  "credit-card": cardFinder(),
  "api-key": regexFinder(API_KEY),
  jwt: regexFinder(JWT),
};
