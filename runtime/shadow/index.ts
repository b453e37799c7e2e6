// Shadow mode (`rrc serve --shadow-bundle <dir>`): a candidate bundle decides every
// authenticated request beside the enforced one, and never changes what happens. It decides
// in the log stage, once the response is done, so it adds nothing to the caller's latency;
// the request it sees is the one the enforced bundle saw (method, canonicalisable path,
// headers, query, claims, and the body when the enforced decision read it).
import type { KeyObject } from "node:crypto";
import type { Registry } from "prom-client";
import { type LoadedBundle, loadBundle } from "../bundle/load.ts";
import { PENDING_BODY } from "../decision/types.ts";
import type { DecisionRecord } from "../observe/decision-record.ts";
import type { RequestContext } from "../server/context.ts";
import type { PolicyState } from "../server/policy-state.ts";
import { enforcedOutcome, sameOutcome } from "./enforced.ts";
import { ShadowMetrics } from "./metrics.ts";

/** Verified exactly like the enforced bundle: digests always, the signature when a key is given. */
export function loadShadowBundle(directory: string, verifyKey?: KeyObject): Promise<LoadedBundle> {
  return loadBundle(directory, { verifyKey });
}

export class ShadowDecisions {
  /** Each enforced state has the shadow bundle loaded with it, so a reload swaps both together. */
  private readonly bundles = new WeakMap<PolicyState, LoadedBundle>();
  private readonly metrics: ShadowMetrics;
  /** The revision last loaded. */
  revision: string | undefined = undefined;

  constructor(registry: Registry) {
    this.metrics = new ShadowMetrics(registry);
  }

  attach(state: PolicyState, bundle: LoadedBundle): void {
    this.bundles.set(state, bundle);
    this.revision = bundle.manifest.revision;
    this.metrics.loaded(bundle.manifest.revision);
  }

  /** Decides with the shadow bundle; sets `record.shadow` when it disagrees. */
  compare(context: RequestContext, record: DecisionRecord): void {
    const bundle = this.bundles.get(context.state);
    const proxy = context.proxy;
    const credential = context.credential;
    if (bundle === undefined || proxy === null || credential === null) return;
    const enforced = enforcedOutcome(context);
    if (enforced === null) return;
    const shadow = bundle.decider.decide({
      proxy: proxy.id,
      credential,
      method: context.request.method ?? "",
      path: context.rest,
      headers: context.headers.byName,
      query: context.query,
      // A body the enforced decision did not read streamed to the upstream: it is gone.
      body: context.body ?? PENDING_BODY,
      claims: context.claims,
    });
    if (shadow.code === "body-required") {
      this.metrics.undecided(proxy.id);
      return;
    }
    if (sameOutcome(enforced, shadow)) {
      this.metrics.agreed(proxy.id);
      return;
    }
    record.shadow = { verdict: shadow.verdict, code: shadow.code, scope: shadow.scope, rule: shadow.rule };
    this.metrics.disagreed(proxy.id, enforced.verdict, shadow.verdict);
  }
}
