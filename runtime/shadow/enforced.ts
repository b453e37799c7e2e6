// What the enforced bundle decided for a finished request, read back from its context. The
// context's code is the last word on the request (a meter or the upstream may have refused
// it after an allow), so the decision is recovered from it: a code the decision module
// produces is the decision itself; any other code after the decider ran means it allowed.
import { DECISION_CODES, type DecisionCode } from "../decision/types.ts";
import type { RequestContext } from "../server/context.ts";

export interface Outcome {
  readonly verdict: "allow" | "deny";
  readonly code: string;
  readonly scope: string | null;
  readonly rule: string | null;
}

/** null: the request never reached a decision (unknown proxy, not authenticated, timed out). */
export function enforcedOutcome(context: RequestContext): Outcome | null {
  const code = context.code;
  if (isDecisionCode(code)) {
    const verdict = code === "access-granted" ? "allow" : "deny";
    return { verdict, code, scope: context.scope, rule: context.rule };
  }
  if (context.decisionUs > 0) {
    return { verdict: "allow", code: "access-granted", scope: context.scope, rule: context.rule };
  }
  return null;
}

function isDecisionCode(code: string): code is DecisionCode {
  return code !== "body-required" && code !== "unknown-proxy" && Object.hasOwn(DECISION_CODES, code);
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.verdict === b.verdict && a.code === b.code && a.scope === b.scope && a.rule === b.rule;
}
