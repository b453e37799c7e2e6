// Pass `analyze`: what each rule can match, as automata over canonical paths (refa), and
// the warnings RRC5001–RRC5005 that follow from it; also the rules emit may leave out
// (prune.ts). Automata are bounded by state counts, never by wall time, so the outcome
// (and the bundle) is the same on every machine.
import type { DiagnosticCode } from "../diagnostics/catalogue.ts";
import type { DiagnosticBag, DiagnosticInput, RelatedNote } from "../diagnostics/diagnostic.ts";
import type { FlatPolicy } from "../ir/index.ts";
import {
  coveredByOwnDenies,
  type Denial,
  deniedEverywhere,
  denyOverlapsNoAllow,
  matchesNothing,
} from "./checks.ts";
import { AnalysisContext, scopeName } from "./context.ts";
import { firstMethod } from "./coverage.ts";
import { accepts } from "./language.ts";
import { buildModel, METHOD_CLASSES, type RuleFacts, ruleKey } from "./model.ts";
import { MAX_TUPLES, witnesses } from "./product.ts";
import { isPrunable } from "./prune.ts";

export interface Analysis {
  /** Keys (`kind:entity:id`, sorted) of the rules emit leaves out. */
  readonly pruned: readonly string[];
  /** Rules whose analysis was skipped or left incomplete. */
  readonly skipped: number;
}

const MAX_NOTES = 4;
/** Past this many warnings of one code, the rest are counted in one last warning. */
const MAX_PER_CODE = 50;

/** Reports through the bag, at most MAX_PER_CODE of each code. */
class Reporter {
  private readonly counts = new Map<DiagnosticCode, number>();

  constructor(private readonly bag: DiagnosticBag) {}

  report(code: DiagnosticCode, input: DiagnosticInput): void {
    const count = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, count);
    if (count <= MAX_PER_CODE) this.bag.report(code, input);
  }

  finish(): void {
    for (const [code, count] of this.counts) {
      if (count <= MAX_PER_CODE) continue;
      this.bag.report(code, {
        message: `${count - MAX_PER_CODE} more rules have warning ${code}; only the first ${MAX_PER_CODE} are listed`,
        span: null,
      });
    }
  }
}

export function runAnalyze(policy: FlatPolicy, bag: DiagnosticBag): Analysis {
  const diagnostics = new Reporter(bag);
  const ctx = new AnalysisContext(buildModel(policy));
  const pruned: string[] = [];
  for (const facts of ctx.model.rules) {
    // A scope no pair reaches (a proxy without credentials) is RRC3009's business; its
    // rules are never evaluated, so they are pruned without a word.
    if (ctx.credentials[facts.scopeIndex]!.length > 0) reportRule(ctx, facts, diagnostics);
    if (isPrunable(ctx, facts)) pruned.push(facts.key);
  }
  let skipped = 0;
  for (const facts of ctx.model.rules) {
    const incomplete = ctx.searches.exhausted.has(facts.index);
    if (!facts.skipped && !incomplete) continue;
    skipped++;
    const reason = facts.skipped
      ? `its path pattern ${facts.skipped}`
      : `comparing it with other rules needs more than ${MAX_TUPLES} automaton states`;
    diagnostics.report("RRC5005", {
      message: `analysis skipped for rule \`${facts.rule.id}\`: ${reason}`,
      span: facts.rule.path?.span ?? facts.rule.span,
      help: "the rule is enforced as written; only the checks for dead or redundant rules are skipped",
    });
  }
  diagnostics.finish();
  return { pruned: pruned.sort(), skipped };
}

/** The policy emit lowers: the same scopes and pairs, less the pruned rules. Each rule
 * keeps its declaration index, so report ranks do not move. */
export function prunedPolicy(policy: FlatPolicy, pruned: readonly string[]): FlatPolicy {
  if (pruned.length === 0) return policy;
  const out = new Set(pruned);
  return {
    scopes: policy.scopes.map((scope) => ({
      ...scope,
      rules: scope.rules.filter((rule) => !out.has(ruleKey(rule))),
    })),
    proxies: policy.proxies,
  };
}

function reportRule(ctx: AnalysisContext, facts: RuleFacts, diagnostics: Reporter): void {
  const rule = facts.rule;
  const scope = ctx.scope(facts.scopeIndex);
  const nothing = matchesNothing(ctx, facts);
  if (nothing?.kind === "credentials") {
    diagnostics.report("RRC5001", {
      message: `rule \`${rule.id}\` can match no request: none of its credentials reach ${scopeName(scope)}`,
      span: rule.span,
      notes: [{ message: `credentials that reach it: ${list(nothing.reaching)}`, span: null }],
      help: "a rule's `credentials` must name credentials accepted by a proxy that uses this scope",
    });
    return;
  }
  if (nothing?.kind === "path") {
    diagnostics.report("RRC5001", {
      message: `rule \`${rule.id}\` can match no request: its path pattern matches no canonical path`,
      span: rule.path?.span ?? rule.span,
      help:
        "rules see canonical paths: they begin with `/`, hold only ASCII (anything else is " +
        "percent-encoded, `é` as `%C3%A9`) and never contain `//`, `/./` or `/../`",
    });
    return;
  }
  if (!facts.modelled) return;
  const modelled = facts;
  if (rule.effect === "allow") {
    const covers = coveredByOwnDenies(ctx, modelled);
    if (covers) {
      const example = exampleRequest(modelled);
      diagnostics.report("RRC5002", {
        message: `allow rule \`${rule.id}\` never allows anything: deny rules of ${scopeName(scope)} match every request it matches`,
        span: rule.span,
        notes: [
          ...covers.slice(0, MAX_NOTES).map((cover) => denyNote(cover, example)),
          ...(example ? [{ message: `for example \`${example.method} ${example.path}\``, span: null }] : []),
        ],
        help: "a matching deny overrides any allow whatever the priorities; narrow the deny rules or remove this rule",
      });
      return;
    }
    const denials = deniedEverywhere(ctx, modelled);
    if (denials) {
      diagnostics.report("RRC5004", {
        message: `allow rule \`${rule.id}\` never takes effect: another scope denies every request it allows`,
        span: rule.span,
        notes: denialNotes(ctx, modelled, denials),
        help: "a request is allowed only if all four scopes allow it; allow it in the other scope too, or remove this rule",
      });
      return;
    }
    if (scope.default === "allow" && !facts.body) {
      diagnostics.report("RRC5003", {
        message: `allow rule \`${rule.id}\` is redundant: ${scopeName(scope)} allows by default`,
        span: rule.span,
        help:
          "allow rules only change a verdict in a scope with `default: deny`; " +
          "this one can only be named as the rule that allowed a request",
      });
    }
    return;
  }
  if (scope.default === "deny" && denyOverlapsNoAllow(ctx, modelled) === true) {
    diagnostics.report("RRC5003", {
      message:
        `deny rule \`${rule.id}\` is redundant: ${scopeName(scope)} denies by default ` +
        "and none of its allow rules matches any request this rule matches",
      span: rule.span,
      help: "it only changes the reported code (`rule-denied` instead of `default-denied`) and rule",
    });
  }
}

function exampleRequest(facts: RuleFacts): { method: string; path: string } | null {
  const [path] = facts.paths ? witnesses(facts.paths) : [];
  return path === undefined ? null : { method: firstMethod(facts.methods), path };
}

function denyNote(cover: RuleFacts, example: { method: string; path: string } | null): RelatedNote {
  const method = example ? METHOD_CLASSES.indexOf(example.method) : -1;
  const bit = 1 << (method < 0 ? METHOD_CLASSES.length - 1 : method);
  const matches =
    example && (cover.methods & bit) !== 0 && cover.paths && accepts(cover.paths, example.path)
      ? " (it matches the example)"
      : "";
  return { message: `denied by \`${cover.rule.id}\`${matches}`, span: cover.rule.span };
}

function denialNotes(ctx: AnalysisContext, facts: RuleFacts, denials: Denial[]) {
  const notes: RelatedNote[] = [];
  for (const denial of denials.slice(0, MAX_NOTES)) {
    const where = `on proxy \`${denial.pair.proxy}\` with credential \`${denial.pair.pair.credential}\``;
    for (const rule of denial.rules.slice(0, MAX_NOTES)) {
      notes.push({
        message: `${where}: denied by \`${rule.rule.id}\` (${scopeName(ctx.scope(rule.scopeIndex))})`,
        span: rule.rule.span,
      });
    }
    for (const scope of denial.scopes) {
      notes.push({
        message: `${where}: ${scopeName(ctx.scope(scope))} denies by default and no allow rule of it matches`,
        span: null,
      });
    }
  }
  if (denials.length > MAX_NOTES)
    notes.push({ message: `and ${denials.length - MAX_NOTES} more pairs`, span: null });
  const [path] = facts.paths ? witnesses(facts.paths) : [];
  if (path !== undefined) {
    notes.push({ message: `for example \`${firstMethod(denials[0]!.methods)} ${path}\``, span: null });
  }
  return notes;
}

function list(values: readonly string[]): string {
  return values.map((value) => `\`${value}\``).join(", ");
}
