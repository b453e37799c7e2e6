// Stage `log`: one decision record per request, and the metrics, once the response is
// done. Records carry ids, the canonical path and outcomes only: never headers, query
// values or bodies, so no secret can reach a log.

import { performance } from "node:perf_hooks";
import type { DecisionLog, DecisionRecord } from "../observe/decision-log.ts";
import { isoTime } from "../observe/iso-time.ts";
import type { LiveFeed } from "../observe/live-feed.ts";
import type { GatewayMetrics } from "../observe/metrics.ts";
import type { ShadowDecisions } from "../shadow/index.ts";
import type { RequestContext } from "./context.ts";
import type { InflightTracker } from "./inflight.ts";

export interface Observers {
  readonly log: DecisionLog;
  readonly metrics: GatewayMetrics;
  /** With --shadow-bundle: decides again with the candidate and notes disagreements. */
  readonly shadow?: ShadowDecisions | null;
  /** With an admin port: the dashboard's live feed (in a cluster worker, a forwarder to the primary's). */
  readonly feed?: Pick<LiveFeed, "publish"> | null;
  /** Requests in flight per policy state (a reload closes the old state once it has none). */
  readonly inflight?: Pick<InflightTracker, "enter" | "leave"> | null;
}

export function logDecision(context: RequestContext, observers: Observers): void {
  if (context.logged) return;
  context.logged = true;
  const response = context.response;
  const status = context.status || response.statusCode;
  const proxy = context.proxy?.id ?? null;
  const record: DecisionRecord = {
    time: isoTime(Date.now()),
    requestId: context.requestId,
    proxy,
    credential: context.credential,
    method: context.request.method ?? "",
    path: context.canonicalPath ?? context.rest,
    verdict: context.verdict,
    status,
    code: context.code || String(response.getHeader("x-rrc-code") ?? ""),
    scope: context.scope,
    rule: context.rule,
    meter: context.admission?.stateText ?? null,
    decisionUs: Math.round(context.decisionUs * 1000) / 1000,
    totalMs: Math.round((performance.now() - context.startedAt) * 1000) / 1000,
    upstreamStatus: context.upstreamStatus,
  };
  observers.shadow?.compare(context, record);
  observers.log.write(record);
  observers.feed?.publish(record);
  // Requests for no known proxy are counted too (as proxy "none"): a scan should show.
  observers.metrics.decision(
    proxy ?? "none",
    context.credential,
    context.verdict,
    context.scope,
    context.code,
    context.rule,
    context.decisionUs / 1e6,
  );
  if (proxy !== null && context.upstreamStartedAt > 0) {
    observers.metrics.upstream(
      proxy,
      context.upstreamStatus,
      (performance.now() - context.upstreamStartedAt) / 1000,
    );
  }
}
