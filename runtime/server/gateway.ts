// The hot path (SPEC §1): route → authenticate → authorize → meter → forward → filter →
// log. Stage lists are fixed at start-up; each request gets one RequestContext.
import type { IncomingMessage, ServerResponse } from "node:http";
import { canonicalizePath } from "../request/canonical-path.ts";
import { authorize } from "./authorize.ts";
import { RequestContext } from "./context.ts";
import { sendCollected } from "./filter-response.ts";
import { forward } from "./forward.ts";
import { logDecision, type Observers } from "./log-decision.ts";
import { meter } from "./meter-stage.ts";
import type { PolicyState } from "./policy-state.ts";
import { type ProblemCode, sendProblem } from "./problems.ts";
import { parseQuery, splitTarget } from "./request-target.ts";

export interface GatewayOptions {
  /** Hide rule ids and scopes from callers (they stay in logs). */
  readonly hideRules: boolean;
  /** Largest response body a filter buffers (SPEC §7: 6 MiB). */
  readonly filterLimit: number;
}

export class Gateway {
  constructor(
    private state: PolicyState,
    private readonly observers: Observers,
    private readonly options: GatewayOptions,
  ) {}

  get policy(): PolicyState {
    return this.state;
  }

  /** Atomic swap: requests already running keep the state they started with. */
  swap(next: PolicyState): PolicyState {
    const previous = this.state;
    this.state = next;
    return previous;
  }

  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    const context = new RequestContext(request, response, this.state, this.observers);
    // One shared listener instead of a closure per request: the context rides on the response.
    (response as LoggedResponse)[LOGGED] = context;
    response.on("close", logOnClose);
    this.run(context).catch(() => this.refuse(context, "internal-error"));
  };

  private async run(context: RequestContext): Promise<void> {
    const state = context.state;
    const request = context.request;
    // RFC 9112 §3.2: several Host lines are a 400. Node keeps the first; something in front may use another.
    if (request.headersDistinct.host !== undefined && request.headersDistinct.host.length > 1) {
      this.refuse(context, "non-canonical-request");
      return;
    }
    const host = hostName(request.headers.host);
    const byHost = host !== null ? state.hosts.get(host) : undefined;
    const target = splitTarget(request.url ?? "/", byHost !== undefined);
    const proxy = byHost ?? (target?.proxySegment ? state.proxies.get(target.proxySegment) : undefined);
    if (!target || !proxy) {
      this.refuse(context, "unknown-proxy");
      return;
    }
    context.proxy = proxy;
    context.rest = target.rest;
    context.rawQuery = target.rawQuery;
    context.query = parseQuery(target.rawQuery);

    const pending = state.authenticator.authenticate({
      // Every value: Node keeps only the first of repeated Authorization headers in `headers`.
      headers: request.headersDistinct,
      query: target.rawQuery === "" ? NO_QUERY : new Map(Object.entries(context.query)),
    });
    // Digest look-ups answer synchronously: no await (and no microtask) for them.
    const authenticated = pending instanceof Promise ? await pending : pending;
    if (!authenticated.ok) {
      this.refuse(context, authenticated.code, { "www-authenticate": authenticated.challenge });
      return;
    }
    context.credential = authenticated.credential;
    context.claims = authenticated.claims;
    context.stripHeaders = authenticated.stripHeaders;
    context.stripQuery = authenticated.stripQuery;
    if (!proxy.accepted.has(authenticated.credential)) {
      this.refuse(context, "credential-not-accepted");
      return;
    }

    const pendingDecision = authorize(context);
    const decision = pendingDecision instanceof Promise ? await pendingDecision : pendingDecision;
    context.verdict = decision.verdict;
    context.code = decision.code;
    context.scope = decision.scope;
    context.rule = decision.rule;
    if (decision.verdict === "deny") {
      this.refuse(context, decision.code as ProblemCode, {}, decision.scope, decision.rule);
      return;
    }
    // Allowed implies the path canonicalised; this is the form that is forwarded.
    const canonical = canonicalizePath(context.rest, proxy);
    if (!canonical.ok) {
      this.refuse(context, "non-canonical-request");
      return;
    }
    context.canonicalPath = canonical.path;

    if (state.meters.has(proxy.id)) {
      const pendingMeter = meter(context);
      const metered = pendingMeter instanceof Promise ? await pendingMeter : pendingMeter;
      if (!metered.ok) {
        if (metered.code === "rate-limited") {
          this.observers.metrics.meterRejection(proxy.id, context.admission!.exceeded!);
        }
        this.refuse(context, metered.code, Object.fromEntries(context.extraHeaders));
        return;
      }
      for (const meterId of Object.keys(context.admission?.state ?? {})) {
        this.observers.metrics.meterCounted(proxy.id, meterId, authenticated.credential);
      }
    }

    const plan =
      proxy.filters.get(authenticated.credential)?.select(request.method ?? "", canonical.path) ?? null;
    const collect = plan !== null || context.admission?.needsResponse === true;
    const outcome = await forward(context, collect, this.options.filterLimit);
    if (outcome.kind === "failed") {
      this.refuse(context, outcome.code, Object.fromEntries(context.extraHeaders));
      return;
    }
    if (outcome.kind === "collected") {
      const problem = sendCollected(context, plan, outcome.response);
      if (problem) this.refuse(context, problem, Object.fromEntries(context.extraHeaders));
    }
    context.status = context.response.statusCode;
  }

  private refuse(
    context: RequestContext,
    code: ProblemCode,
    headers: Readonly<Record<string, string>> = {},
    scope: string | null = null,
    rule: string | null = null,
  ): void {
    context.verdict = "deny";
    context.code = code;
    const hide = this.options.hideRules;
    sendProblem(context.response, code, context.requestId, hide ? {} : { scope, rule }, headers);
    context.status = context.response.statusCode;
  }
}

const NO_QUERY: ReadonlyMap<string, readonly string[]> = new Map();

const LOGGED = Symbol("rrc.logged");

type LoggedResponse = ServerResponse & {
  [LOGGED]?: RequestContext;
};

function logOnClose(this: LoggedResponse): void {
  const context = this[LOGGED];
  if (context !== undefined) logDecision(context, context.observers);
}

function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const withoutPort = header.startsWith("[")
    ? header.slice(0, header.indexOf("]") + 1)
    : header.split(":")[0]!;
  return withoutPort.toLowerCase();
}
