// The review as Markdown, for a pull request or a ticket. User values (ids, regexes, paths)
// are code spans; table cells escape pipes so a regex cannot break the table.
import type { ReviewReport, RuleRef } from "./findings.ts";

export function renderMarkdown(report: ReviewReport): string {
  const { logs, window } = report;
  const out: string[] = ["# Access review", ""];
  const span = logs.first === null ? "no records" : `${logs.first} → ${logs.last}`;
  out.push(
    `Bundle ${code(report.bundle.revision)}; ${logs.records} records from ${logs.files.length} file(s) (${span})` +
      (logs.skipped > 0 ? `, ${logs.skipped} lines skipped (not decision records)` : "") +
      `. Unused means no record since ${window.since} (${window.days} days).`,
    "",
  );

  section(
    out,
    `Credentials unused for ${window.days} days`,
    ["credential", "last seen", "accepted by"],
    [
      ...report.unusedCredentials.map((item) => [
        code(item.credential),
        item.lastSeen ?? "never",
        item.proxies.map(code).join(", ") || "no proxy",
      ]),
    ],
  );
  section(
    out,
    `Access unused for ${window.days} days`,
    ["credential", "proxy", "last seen there"],
    [
      ...report.unusedGrants.map((item) => [
        code(item.credential),
        code(item.proxy),
        item.lastSeen ?? "never",
      ]),
    ],
  );
  section(
    out,
    "Rules never hit",
    ["rule", "effect", "matches", "evidence"],
    [
      ...report.rulesNeverHit.map((item) => [
        ruleName(item),
        item.effect,
        matches(item),
        item.certain
          ? "no logged request matches it"
          : "never reported (it checks fields the log does not keep)",
      ]),
    ],
  );
  section(
    out,
    "Allow rules broader than their traffic",
    ["rule", "allows", "served", "observed", "also allows, e.g."],
    [
      ...report.broadAllowRules.map((item) => [
        ruleName(item.rule),
        matches(item.rule),
        `${count(item.served, "request")}, ${count(item.distinctPaths, "path")} (${item.examples.map(code).join(", ")})`,
        `${item.observed.methods.join(", ")} ${item.observed.path === null ? "(paths too varied)" : code(item.observed.path)}`,
        code(item.alsoAllows),
      ]),
    ],
  );
  section(
    out,
    "Admin access never used",
    ["credential", "rule", "on proxies"],
    [
      ...report.unusedAdminAccess.map((item) => [
        code(item.credential),
        ruleName(item.rule),
        item.proxies.map(code).join(", "),
      ]),
    ],
  );
  out.push(
    "Heuristics: a rule is hit when a record reports it, or (for rules that check only method and path) when a " +
      "logged request matches it again. Admin access is an allow rule whose id or path mentions `admin`, granting " +
      "the credential access (per `rrc matrix`) that none of its requests used.",
    "",
  );
  return out.join("\n");
}

function section(out: string[], title: string, header: readonly string[], rows: readonly string[][]): void {
  out.push(`## ${title}`, "");
  if (rows.length === 0) {
    out.push("None.", "");
    return;
  }
  out.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
  for (const row of rows) out.push(`| ${row.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`);
  out.push("");
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function ruleName(rule: RuleRef): string {
  return `${code(rule.rule)} (${rule.scope} ${code(rule.entity)})`;
}

function matches(rule: RuleRef): string {
  const methods = rule.methods === null ? "any method" : rule.methods.join(", ");
  return `${methods} ${rule.path === null ? "any path" : code(rule.path)}`;
}

/** A code span long enough to hold any backticks in the text (CommonMark §6.1). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
