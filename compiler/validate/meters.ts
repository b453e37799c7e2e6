// Checks of proxy meters (SPEC §6) beyond their shape:
// - RRC3101 (warning): a longer window whose limit is at most a shorter window's makes the shorter
//   limit unreachable. Windows are calendar-aligned and nested (a minute lies inside one hour), so
//   a short window never counts more than the long one around it: with `minute: 100, hour: 50` the
//   minute limit can never be what stops a request. Equal limits are reported too (the shorter one
//   then never blocks on its own).
// - RRC3102 (error): a `value` path that is `$` alone, or ends in `*`/`[*]`/`..*`, selects whole
//   containers and every sibling alike (`$.usage.*` would add prompt, completion and total tokens
//   together). Name the number instead. Invalid paths are RRC3006 (patterns.ts), not reported twice.
// - RRC3103 (warning): `match` can never apply. Methods: none of `match.methods` is one the proxy
//   scope can allow (its allow rules' methods, or every method under `default: allow`, less the
//   methods of deny rules that have no other condition); the other scopes only ever deny more. Path:
//   a syntactic check of the top-level alternatives of `match.path` (see `emptyReason`), confirmed
//   with RE2 against sample paths so that the check can only miss, never invent, an empty regex.

import { parseJsonPath } from "../../runtime/request/json-path.ts";
import type { HttpMethod, Meter, MeterWindow, Proxy as ProxyEntity, Rule } from "../authoring/types.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { DocumentPath, PolicySource } from "../load/source.ts";
import { scanRegex, type Token } from "../regex/scan.ts";
import { compileSingle } from "../regex/set-pattern.ts";
import type { ValidatedPolicy } from "./located.ts";

type Site = { source: PolicySource; path: DocumentPath };

const WINDOW_ORDER: readonly MeterWindow[] = ["minute", "hour", "day", "month"];
const ALL_METHODS: readonly HttpMethod[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
];
/** Canonical paths always begin with `/`; a regex that matches none of these is not trusted to be empty. */
const SAMPLE_PATHS = ["/", "/a", "/v1/charges", "/A/b.json", ""];

export function checkMeters(policy: ValidatedPolicy, diagnostics: DiagnosticBag): void {
  for (const proxy of policy.proxies) {
    const meters = proxy.value.meters ?? [];
    if (meters.length === 0) continue;
    const allowed = allowedMethods(proxy.value);
    meters.forEach((meter, index) => {
      const site = { source: proxy.source, path: [...proxy.path, "meters", index] };
      checkWindows(meter, site, diagnostics);
      checkValuePath(meter, site, diagnostics);
      checkMatch(meter, proxy.value, allowed, site, diagnostics);
    });
  }
}

function checkWindows(meter: Meter, site: Site, diagnostics: DiagnosticBag): void {
  const limits = meter.limits ?? {};
  WINDOW_ORDER.forEach((shorter, i) => {
    const shortLimit = limits[shorter];
    if (shortLimit === undefined) return;
    // The longer window with the smallest limit (the nearest on a tie) is the one that binds first.
    let longer: MeterWindow | null = null;
    for (const window of WINDOW_ORDER.slice(i + 1)) {
      const limit = limits[window];
      if (limit !== undefined && (longer === null || limit < limits[longer]!)) longer = window;
    }
    if (longer === null || limits[longer]! > shortLimit) return;
    diagnostics.report("RRC3101", {
      message:
        `meter \`${meter.id}\`: the \`${longer}\` limit (${limits[longer]}) is not above the ` +
        `\`${shorter}\` limit (${shortLimit}), so the \`${shorter}\` limit is never reached`,
      span: locate(site, "limits", longer),
      notes: [{ message: `the unreachable \`${shorter}\` limit`, span: locate(site, "limits", shorter) }],
      help: "a longer window should allow more requests than a shorter one; remove or raise one of them",
    });
  });
}

function checkValuePath(meter: Meter, site: Site, diagnostics: DiagnosticBag): void {
  if (meter.value === undefined) return;
  const parsed = parseJsonPath(meter.value);
  if (!parsed.ok) return;
  const last = parsed.segments[parsed.segments.length - 1];
  let problem: string | null = null;
  if (last === undefined) problem = "it selects the whole response";
  else if (last.kind === "wildcard" || last.kind === "descendant-wildcard")
    problem = "it ends in a wildcard, which selects every member (objects and sibling numbers alike)";
  if (problem === null) return;
  diagnostics.report("RRC3102", {
    message: `value path \`${meter.value}\` cannot select a number: ${problem}`,
    span: locate(site, "value"),
    help: "name the number, such as `$.usage.total_tokens` or `$.items[*].quantity`",
  });
}

function checkMatch(
  meter: Meter,
  proxy: ProxyEntity,
  allowed: ReadonlySet<string>,
  site: Site,
  diagnostics: DiagnosticBag,
): void {
  const methods = meter.match?.methods;
  if (methods !== undefined && !methods.some((method) => allowed.has(method))) {
    const can = allowed.size === 0 ? "no method" : [...allowed].join(", ");
    diagnostics.report("RRC3103", {
      message:
        `meter \`${meter.id}\` counts only ${methods.join(", ")}, ` +
        `which proxy \`${proxy.id}\` never allows (it allows ${can})`,
      span: locate(site, "match", "methods"),
    });
  }
  const path = meter.match?.path;
  if (path === undefined) return;
  const reason = emptyReason(path, meter.match?.flags === "i");
  if (reason === null) return;
  diagnostics.report("RRC3103", {
    message: `meter \`${meter.id}\` matches no path: ${reason}`,
    span: locate(site, "match", "path"),
  });
}

/** Methods the proxy scope can allow: an over-approximation, so an empty overlap is certain. */
function allowedMethods(proxy: ProxyEntity): Set<string> {
  const rules = proxy.rules ?? [];
  const allowed = new Set<string>(
    proxy.default === "allow"
      ? ALL_METHODS
      : rules.filter((rule) => rule.effect === "allow").flatMap((rule) => rule.methods ?? ALL_METHODS),
  );
  for (const rule of rules) {
    if (rule.effect === "deny" && unconditional(rule)) {
      for (const method of rule.methods ?? ALL_METHODS) allowed.delete(method);
    }
  }
  return allowed;
}

function unconditional(rule: Rule): boolean {
  return (
    rule.path === undefined &&
    !rule.headers?.length &&
    !rule.query?.length &&
    !rule.body?.length &&
    !rule.token?.length &&
    !rule.credentials?.length
  );
}

type Atom = { readonly kind: "start" | "end" | "empty" | "consume" | "other"; readonly literal?: string };

/**
 * Why `pattern` can match no canonical path, or null when that is not certain. Each top-level
 * alternative must contain one of: a required class that matches nothing (`[^\s\S]`, `[^\d\D]`,
 * `[^\w\W]`, `[^\p{L}\P{L}]`); required text after `$` (`$^x`, `a$b`) or before `^`; or `^` followed
 * by a required literal other than `/` (`^v1/charges`: canonical paths begin with `/`). Groups are not
 * looked into, and `(?m)` patterns are skipped. RE2 then must match none of SAMPLE_PATHS.
 */
export function emptyReason(pattern: string, ignoreCase: boolean): string | null {
  let regex: ReturnType<typeof compileSingle>;
  try {
    regex = compileSingle(pattern, ignoreCase);
  } catch {
    return null; // reported as RRC4001 by patterns.ts
  }
  const tokens = scanRegex(pattern);
  const multiline = (t: Token) =>
    (t.kind === "flags" || (t.kind === "group-open" && t.group === "flag-group")) &&
    /^\(\?[a-z]*m/.test(t.text);
  if (tokens.some(multiline)) return null;
  const reasons = branches(tokens).map(branchReason);
  if (reasons.some((reason) => reason === null)) return null;
  if (SAMPLE_PATHS.some((sample) => regex.test(sample))) return null;
  return reasons[0] ?? null;
}

function branchReason(atoms: readonly { atom: Atom; optional: boolean }[]): string | null {
  let sawEnd = false;
  let sawConsume = false;
  for (const [i, { atom, optional }] of atoms.entries()) {
    if (atom.kind === "empty" && !optional) return "a character class in it matches no character";
    if (atom.kind === "end") sawEnd = true;
    if (atom.kind === "start" && sawConsume) return "it requires text before `^`";
    if (atom.kind !== "consume" || optional) continue;
    if (sawEnd) return "it requires text after `$`";
    sawConsume = true;
    const previous = atoms[i - 1];
    if (i === 1 && previous?.atom.kind === "start" && atom.literal !== undefined && atom.literal !== "/")
      return `it requires \`${atom.literal}\` right after \`^\`, but canonical paths begin with \`/\``;
  }
  return null;
}

/** The top-level alternatives as atoms; a group counts as one atom of unknown kind. */
function branches(tokens: readonly Token[]): { atom: Atom; optional: boolean }[][] {
  const out: { atom: Atom; optional: boolean }[][] = [[]];
  let i = 0;
  const push = (atom: Atom, next: number) => {
    const quantifier = quantifierAt(tokens, next);
    out[out.length - 1]!.push({ atom, optional: quantifier.optional });
    i = quantifier.end;
  };
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.kind === "group-open") {
      let depth = 1;
      let end = i + 1;
      for (; end < tokens.length && depth > 0; end++) {
        const inner = tokens[end]!;
        if (inner.kind === "group-open") depth++;
        else if (inner.kind === "group-close") depth--;
      }
      push({ kind: "other" }, end);
    } else if (token.kind === "class-open") {
      let end = i + 1;
      while (end < tokens.length && tokens[end]!.kind !== "class-close") end++;
      const empty = token.text === "[^" && complementary(tokens.slice(i + 1, end));
      push({ kind: empty ? "empty" : "consume" }, end + 1);
    } else if (token.kind === "char" && token.text === "|") {
      out.push([]);
      i++;
    } else if (token.kind === "char") {
      const text = token.text;
      if (text === "^" || text === "$") push({ kind: text === "^" ? "start" : "end" }, i + 1);
      else push({ kind: "consume", ...(text === "." ? {} : { literal: text }) }, i + 1);
    } else if (token.kind === "escape") {
      const letter = token.text[1] ?? "";
      if (token.text === "\\A") push({ kind: "start" }, i + 1);
      else if (token.text === "\\z") push({ kind: "end" }, i + 1);
      else if (letter === "b" || letter === "B") push({ kind: "other" }, i + 1);
      else push({ kind: "consume", ...(/[A-Za-z0-9]/.test(letter) ? {} : { literal: letter }) }, i + 1);
    } else if (token.kind === "quote") {
      push(token.body === "" ? { kind: "other" } : { kind: "consume", literal: token.body[0]! }, i + 1);
    } else i++;
  }
  return out;
}

/** Whether the tokens at `i` are a quantifier, and whether it allows zero repetitions. */
function quantifierAt(tokens: readonly Token[], i: number): { optional: boolean; end: number } {
  const token = tokens[i];
  if (token?.kind !== "char") return { optional: false, end: i };
  let optional: boolean;
  let end = i + 1;
  if (token.text === "*" || token.text === "?") optional = true;
  else if (token.text === "+") optional = false;
  else if (token.text === "{") {
    let text = "";
    for (let t = tokens[end]; t?.kind === "char"; t = tokens[end]) {
      end++;
      if (t.text === "}") break;
      text += t.text;
    }
    const repeat = /^(\d+)(,\d*)?$/.exec(text);
    if (!repeat) return { optional: false, end: i };
    optional = Number(repeat[1]) === 0;
  } else return { optional: false, end: i };
  // A lazy or possessive marker belongs to the quantifier.
  const next = tokens[end];
  if (next?.kind === "char" && next.text === "?") end++;
  return { optional, end };
}

/** A negated class holding an escape and its complement (`\s\S`) or a POSIX class and its negation. */
function complementary(inside: readonly Token[]): boolean {
  const escapes = new Set(inside.flatMap((t) => (t.kind === "escape" ? [t.text] : [])));
  for (const text of escapes) {
    const match = /^\\([dswpDSWP])(.*)$/.exec(text);
    if (!match) continue;
    const letter = match[1]!;
    const flipped = letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase();
    if (escapes.has(`\\${flipped}${match[2]}`)) return true;
  }
  const posix = inside.flatMap((t) => (t.kind === "posix" ? [t.text] : []));
  return posix.some((text) =>
    posix.includes(text.replace(/^\[:(\^?)/, (_, caret) => (caret ? "[:" : "[:^"))),
  );
}

function locate(site: Site, ...more: (string | number)[]) {
  return site.source.locate([...site.path, ...more]);
}
