// Checks of the little languages inside a policy: RE2 regexes (reported at the exact
// character), JSONPaths, claim paths and target URLs.

import { isValidClaimPath, parseJsonPath } from "../../runtime/request/json-path.ts";
import type { Filter, Meter, RequestMatch, Rule } from "../authoring/types.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { Span } from "../ir/index.ts";
import type { DocumentPath, PolicySource } from "../load/source.ts";
import { checkRegex } from "../regex/check.ts";
import { rawOffsetInJsonString } from "../regex/source-offset.ts";
import type { Located, ValidatedPolicy } from "./located.ts";

type Site = { source: PolicySource; path: DocumentPath };

export function checkPatterns(policy: ValidatedPolicy, diagnostics: DiagnosticBag): void {
  const owners: Located<{ rules?: readonly Rule[]; filters?: readonly Filter[] }>[] = [
    ...policy.targets,
    ...policy.targetCredentials,
    ...policy.proxyCredentials,
    ...policy.proxies,
  ];
  for (const owner of owners) {
    owner.value.rules?.forEach((rule, index) => {
      checkRule(rule, { source: owner.source, path: [...owner.path, "rules", index] }, diagnostics);
    });
    owner.value.filters?.forEach((filter, index) => {
      checkFilter(filter, { source: owner.source, path: [...owner.path, "filters", index] }, diagnostics);
    });
  }
  for (const proxy of policy.proxies) {
    proxy.value.meters?.forEach((meter, index) => {
      checkMeter(meter, { source: proxy.source, path: [...proxy.path, "meters", index] }, diagnostics);
    });
  }
  for (const target of policy.targets)
    checkUrl(target.value.url, { ...target, path: [...target.path, "url"] }, diagnostics);
}

function checkRule(rule: Rule, site: Site, diagnostics: DiagnosticBag): void {
  const flags = rule.flags ?? "";
  if (rule.path !== undefined) regex(rule.path, flags, at(site, "path"), diagnostics);
  for (const field of ["headers", "query", "body", "token"] as const) {
    rule[field]?.forEach((check, index) => {
      if (check.value !== undefined) regex(check.value, flags, at(site, field, index, "value"), diagnostics);
    });
  }
  rule.body?.forEach((check, index) => {
    jsonPath(check.path, at(site, "body", index, "path"), diagnostics);
  });
  rule.token?.forEach((check, index) => {
    if (!isValidClaimPath(check.claim)) {
      diagnostics.report("RRC3007", {
        message: `invalid claim path \`${check.claim}\``,
        span: locate(at(site, "token", index, "claim")),
        help: "claim paths are dot-separated names, such as `sub` or `org.roles`",
      });
    }
  });
}

function checkMatch(match: RequestMatch | undefined, site: Site, diagnostics: DiagnosticBag): void {
  if (match?.path !== undefined) regex(match.path, match.flags ?? "", at(site, "match", "path"), diagnostics);
}

function checkFilter(filter: Filter, site: Site, diagnostics: DiagnosticBag): void {
  checkMatch(filter.match, site, diagnostics);
  if (filter.op === "mask") {
    filter.patterns?.forEach((pattern, index) => {
      regex(pattern, "", at(site, "patterns", index), diagnostics);
    });
    return;
  }
  filter.paths.forEach((path, index) => {
    jsonPath(path, at(site, "paths", index), diagnostics);
  });
}

function checkMeter(meter: Meter, site: Site, diagnostics: DiagnosticBag): void {
  checkMatch(meter.match, site, diagnostics);
  if (meter.value !== undefined) jsonPath(meter.value, at(site, "value"), diagnostics);
}

function checkUrl(url: string, site: Site, diagnostics: DiagnosticBag): void {
  let problem: string | null = null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") problem = "only http and https targets";
    else if (parsed.username || parsed.password) problem = "credentials in a URL; use a target credential";
    else if (parsed.search || parsed.hash) problem = "a target URL has no query or fragment";
  } catch {
    problem = "not a URL";
  }
  if (problem) {
    diagnostics.report("RRC3008", {
      message: `invalid target URL \`${url}\`: ${problem}`,
      span: locate(site),
    });
  }
}

function regex(pattern: string, flags: string, site: Site, diagnostics: DiagnosticBag): void {
  for (const problem of checkRegex(pattern, flags)) {
    diagnostics.report(problem.code, {
      message: problem.message,
      span: innerSpan(site, problem.offset, problem.length),
      help: problem.help,
    });
  }
}

function jsonPath(path: string, site: Site, diagnostics: DiagnosticBag): void {
  const parsed = parseJsonPath(path);
  if (parsed.ok) return;
  diagnostics.report("RRC3006", {
    message: `invalid JSONPath \`${path}\`: ${parsed.message}`,
    span: innerSpan(site, parsed.offset, 1),
    help: "supported: `$`, `.name`, `['name']`, `[0]`, `[*]`, `..name`",
  });
}

function at(site: Site, ...more: (string | number)[]): Site {
  return { source: site.source, path: [...site.path, ...more] };
}

function locate(site: Site): Span {
  return site.source.locate(site.path);
}

/** The span of characters inside a string literal, mapped through its escapes. */
function innerSpan(site: Site, offset: number, length: number): Span {
  const literal = locate(site);
  const raw = site.source.file.text.slice(literal.offset, literal.offset + literal.length);
  if (raw.length < 2 || raw[0] !== '"' || raw[raw.length - 1] !== '"') return literal;
  const start = rawOffsetInJsonString(raw, offset);
  const end = rawOffsetInJsonString(raw, offset + Math.max(length, 1));
  return site.source.spanAt(literal.offset + start, Math.max(end - start, 1));
}
