// `rrc explain`: the interpreter's trace as text a reviewer can follow.

import type { DecisionRequest } from "../../runtime/decision/types.ts";
import type { Explanation, RuleTrace } from "../interpret/index.ts";

export function renderExplanation(request: DecisionRequest, explanation: Explanation): string {
  const out: string[] = [];
  out.push(
    `request  ${request.method} ${request.path}  (proxy \`${request.proxy}\`, credential \`${request.credential}\`)`,
  );
  if (explanation.canonicalPath !== null && explanation.canonicalPath !== request.path) {
    out.push(`path     canonical form \`${explanation.canonicalPath}\``);
  }
  for (const scope of explanation.scopes) {
    out.push("");
    out.push(`scope ${scope.scope.kind} \`${scope.scope.entity}\` (default ${scope.scope.default})`);
    if (scope.rules.length === 0) out.push("  no rules");
    for (const trace of scope.rules) out.push(`  ${ruleLine(trace)}`);
    const how = scope.byDefault ? "by default" : "by rule";
    out.push(`  => ${scope.outcome} ${how}`);
  }
  const decision = explanation.decision;
  const by = decision.rule
    ? ` by ${decision.scope} rule \`${decision.rule}\``
    : decision.scope
      ? ` by ${decision.scope} default`
      : "";
  out.push("");
  out.push(
    `verdict  ${decision.verdict.toUpperCase()}${by}  (status ${decision.status}, code ${decision.code})`,
  );
  return `${out.join("\n")}\n`;
}

function ruleLine(trace: RuleTrace): string {
  const rule = trace.rule;
  const what = `${rule.effect} \`${rule.id}\` (priority ${rule.priority})`;
  return trace.matched ? `✔ ${what} matched` : `· ${what} skipped: ${trace.failed} did not match`;
}
