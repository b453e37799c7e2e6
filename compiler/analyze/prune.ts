// Which rules can be left out of the emitted tables without changing any decision: the
// verdict, the status and code, or the reported scope and rule (SPEC §4, §9).
//
// A rule R of scope S is pruned when, in every proxy × credential pair whose four scopes
// include S and whose credential R applies to, either R's credentials × methods × path
// match no request there, or R has no body checks and every request R could match (its
// header, query and token checks ignored: they only shrink that set) is also matched by
//   - for a deny R: a deny rule without header, query, body or token checks, in one of the
//     pair's four scopes, that is reported before R (reportRank);
//   - for an allow R: such a deny rule of any rank, or such an allow rule reported before R
//     that lies in S itself when S defaults to deny (any of the four scopes otherwise).
//
// Why that is safe, by induction over report order: every pruned rule's requests are met by
// an unpruned rule of the kind above (a covering rule that is itself pruned is covered by
// one reported earlier still). A request a pruned deny matches is then denied by a rule
// reported before it; one a pruned allow matches is either denied by a rule (whose report
// no allow affects) or allowed in S by an unpruned allow that is reported before it, so no
// scope's outcome and no reported rule changes. Body checks are kept because a rule that
// could apply with them makes an unreadable body a refusal; ambiguity refusals depend on
// the pair's inspected fields, which the IR keeps for the whole policy.

import type { AnalysisContext } from "./context.ts";
import { methodGroups } from "./coverage.ts";
import { appliesTo, type RuleFacts } from "./model.ts";

export function isPrunable(ctx: AnalysisContext, facts: RuleFacts): boolean {
  for (const ref of ctx.model.scopePairs[facts.scopeIndex]!) {
    if (!appliesTo(facts, ref.pair.credential)) continue;
    const empty = facts.matchesNoPath();
    if (empty === null) return false;
    if (empty) continue;
    if (facts.body) return false;
    const ownScope = facts.scopeIndex;
    const ownDefaultDeny = ctx.scope(ownScope).default === "deny";
    const covers: RuleFacts[] = [];
    for (const scope of ref.pair.scopes) {
      for (const deny of ctx.exactDenies[scope]!.around(facts.prefix)) {
        if (facts.rule.effect === "allow" || deny.rank < facts.rank) covers.push(deny);
      }
      if (facts.rule.effect === "allow" && (!ownDefaultDeny || scope === ownScope)) {
        for (const allow of ctx.exactAllows[scope]!.around(facts.prefix)) {
          if (allow.rank < facts.rank) covers.push(allow);
        }
      }
    }
    if (covers.length === 0) return false;
    covers.sort((a, b) => a.index - b.index);
    for (const group of methodGroups(facts.methods, covers, ref.pair.credential)) {
      const found = ctx.searches.find(facts, group.rules);
      if (found === null || found.path !== null) return false;
    }
  }
  return true;
}
