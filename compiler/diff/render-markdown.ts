// `rrc diff --format markdown`: ready to paste into a pull-request comment.
import { METHOD_CLASSES } from "../analyze/model.ts";
import type { DecisionSummary, Example, Flip, FlipKind, PairDiff } from "./compare.ts";
import type { DiffReport, SideInfo } from "./report.ts";

const HEADINGS: Record<FlipKind, string> = {
  widened: "Widened: denied before, allowed now",
  narrowed: "Narrowed: allowed before, denied now",
  "may-widen": "May widen: allowed now for some headers, query, body or claims",
  "may-narrow": "May narrow: denied now for some headers, query, body or claims",
};

const SCOPE_NAMES: Record<string, string> = {
  proxy: "proxy",
  target: "target",
  proxyCredential: "credential",
  targetCredential: "target credential",
};

export function renderMarkdown(report: DiffReport): string {
  const out: string[] = [];
  const verdict = report.widens
    ? "access widens"
    : report.narrows
      ? "access narrows"
      : "no request changes verdict";
  out.push(`## rrc diff: ${verdict}`, "", `${side(report.old)} → ${side(report.new)}`, "");
  if (report.pairs.length > 0) {
    out.push(
      "| proxy | credential | widened | narrowed | may widen | may narrow |",
      "|---|---|---:|---:|---:|---:|",
    );
    for (const pair of report.pairs) {
      const count = (kind: FlipKind) => pair.flips.filter((flip) => flip.kind === kind).length;
      out.push(
        `| \`${pair.proxy}\` | \`${pair.credential}\` | ${count("widened")} | ${count("narrowed")} | ` +
          `${count("may-widen")} | ${count("may-narrow")} |`,
      );
    }
    out.push("");
    for (const pair of report.pairs) out.push(...pairSection(pair));
  }
  out.push(...ruleSection(report));
  const unmodelled = [...new Set([...report.unmodelled.old, ...report.unmodelled.new])];
  if (unmodelled.length > 0) {
    out.push(
      `Path patterns not modelled (treated like conditions): ${unmodelled.map((key) => `\`${key}\``).join(", ")}`,
      "",
    );
  }
  if (report.pairs.some((pair) => pair.flips.some((flip) => flip.kind.startsWith("may")))) {
    out.push(
      "_May_ flips depend on headers, query parameters, the body or token claims; their examples " +
        "were decided without any.",
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function side(info: SideInfo): string {
  return `\`${info.source}\` (${info.kind}, revision \`${info.revision.slice(0, 19)}\`)`;
}

function pairSection(pair: PairDiff): string[] {
  const note =
    pair.status === "added"
      ? " (accepted only by the new side)"
      : pair.status === "removed"
        ? " (accepted only by the old side)"
        : "";
  const out = [`### \`${pair.proxy}\` × \`${pair.credential}\`${note}`, ""];
  if (pair.incomplete) out.push(`Not compared in full: ${pair.incomplete}; treated as widening.`, "");
  for (const kind of ["widened", "narrowed", "may-widen", "may-narrow"] as const) {
    const flips = pair.flips.filter((flip) => flip.kind === kind);
    if (flips.length === 0) continue;
    out.push(`**${HEADINGS[kind]}**`, "");
    for (const flip of flips) out.push(...flipLines(flip));
    out.push("");
  }
  if (pair.flips.length === 0 && !pair.incomplete) out.push("No request is allowed on either side.", "");
  return out;
}

function flipLines(flip: Flip): string[] {
  const methods = flip.methods.includes("*")
    ? "any method"
    : flip.methods.map((method) => (method === METHOD_CLASSES.at(-1) ? method : `\`${method}\``)).join(", ");
  return [
    `- ${methods} on ${flip.paths.text}`,
    ...flip.examples.map((example) => `  - ${exampleLine(example)}`),
  ];
}

function exampleLine(example: Example): string {
  const check = example.verified ? "✔ verified" : "not reproduced without headers, query, body or claims";
  return `\`${example.method} ${example.path}\`: ${decision(example.old)} → ${decision(example.new)} (${check})`;
}

function decision(summary: DecisionSummary): string {
  const by = summary.rule
    ? ` by \`${summary.rule}\` (${SCOPE_NAMES[summary.scope!]})`
    : summary.scope
      ? ` (${SCOPE_NAMES[summary.scope]})`
      : "";
  return `${summary.status} \`${summary.code}\`${by}`;
}

function ruleSection(report: DiffReport): string[] {
  if (report.rules.length === 0 && report.defaults.length === 0) return ["No rule changed.", ""];
  const out = ["### Rule changes", ""];
  if (report.rules.length > 0) {
    out.push("| scope | entity | rule | change |", "|---|---|---|---|");
    for (const change of report.rules) {
      const what = change.change === "changed" ? `changed: ${change.fields.join(", ")}` : change.change;
      out.push(`| ${SCOPE_NAMES[change.scope]} | \`${change.entity}\` | \`${change.rule}\` | ${what} |`);
    }
    out.push("");
  }
  for (const change of report.defaults) {
    out.push(`- ${SCOPE_NAMES[change.scope]} \`${change.entity}\`: default ${change.old} → ${change.new}`);
  }
  if (report.defaults.length > 0) out.push("");
  return out;
}
