// The hot path (SPEC §1): route → authenticate → authorize → meter → forward → filter →
// log. Stage lists are fixed at start-up; each request gets one RequestContext.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthResult } from "../authenticate/types.ts";
import type { Decision } from "../decision/types.ts";
import type { FilterPlan } from "../filter/index.ts";
import { canonicalizePath } from "../request/canonical-path.ts";
import { authorize } from "./authorize.ts";
import { RequestContext } from "./context.ts";
import { sendCollected } from "./filter-response.ts";
import { type ForwardOutcome, forward } from "./forward.ts";
import { logDecision, type Observers } from "./log-decision.ts";
import { ADMITTED, type MeterOutcome, meter } from "./meter-stage.ts";
import type { PolicyState } from "./policy-state.ts";
import { type ProblemCode, sendProblem } from "./problems.ts";
import { ownValues, readRequestHeaders } from "./request-headers.ts";
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
    this.observers.inflight?.enter(context.state);
    response.on("close", logOnClose);
    this.guard(context, this.route);
  };

  // Each stage calls the next directly when its answer is synchronous (digest look-ups, a compiled
  // decision, the embedded meter store): no promise or microtask per request on that path. A stage
  // that must wait (JWKS, introspection, a body read, Redis, the upstream) continues from its callback.

  private route(context: RequestContext): void {
    const state = context.state;
    const request = context.request;
    context.headers = readRequestHeaders(request.rawHeaders);
    const hosts = ownValues(context.headers.byName, "host");
    // RFC 9112 §3.2: several Host lines are a 400. Node keeps the first; something in front may use another.
    if (hosts !== undefined && hosts.length > 1) {
      this.refuse(context, "non-canonical-request");
      return;
    }
    const host = hostName(hosts?.[0]);
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

    const authenticated = state.authenticator.authenticate({
      // Every value: Node keeps only the first of repeated Authorization headers in `headers`.
      headers: context.headers.byName,
      query: target.rawQuery === "" ? NO_QUERY : new Map(Object.entries(context.query)),
    });
    if (authenticated instanceof Promise) this.later(context, authenticated, this.authenticated);
    else this.authenticated(context, authenticated);
  }

  private authenticated(context: RequestContext, authenticated: AuthResult): void {
    if (!authenticated.ok) {
      this.refuse(context, authenticated.code, { "www-authenticate": authenticated.challenge });
      return;
    }
    context.credential = authenticated.credential;
    context.claims = authenticated.claims;
    context.stripHeaders = authenticated.stripHeaders;
    context.stripQuery = authenticated.stripQuery;
    if (!context.proxy!.accepted.has(authenticated.credential)) {
      this.refuse(context, "credential-not-accepted");
      return;
    }
    const decision = authorize(context);
    if (decision instanceof Promise) this.later(context, decision, this.decided);
    else this.decided(context, decision);
  }

  private decided(context: RequestContext, decision: Decision): void {
    context.verdict = decision.verdict;
    context.code = decision.code;
    context.scope = decision.scope;
    context.rule = decision.rule;
    if (decision.verdict === "deny") {
      this.refuse(context, decision.code as ProblemCode, {}, decision.scope, decision.rule);
      return;
    }
    // Allowed implies the path canonicalised; this is the form that is forwarded.
    const canonical = canonicalizePath(context.rest, context.proxy!);
    if (!canonical.ok) {
      this.refuse(context, "non-canonical-request");
      return;
    }
    context.canonicalPath = canonical.path;
    if (!context.state.meters.has(context.proxy!.id)) {
      this.metered(context, ADMITTED);
      return;
    }
    const metered = meter(context);
    if (metered instanceof Promise) this.later(context, metered, this.metered);
    else this.metered(context, metered);
  }

  private metered(context: RequestContext, metered: MeterOutcome): void {
    const proxy = context.proxy!;
    if (!metered.ok) {
      if (metered.code === "rate-limited") {
        this.observers.metrics.meterRejection(proxy.id, context.admission!.exceeded!);
      }
      this.refuse(context, metered.code, Object.fromEntries(context.extraHeaders));
      return;
    }
    const counted = context.admission?.meterIds;
    if (counted) {
      for (let index = 0; index < counted.length; index++)
        this.observers.metrics.meterCounted(proxy.id, counted[index]!, context.credential!);
    }
    const plan =
      proxy.filters.get(context.credential!)?.select(context.request.method ?? "", context.canonicalPath!) ??
      null;
    const collect = plan !== null || context.admission?.needsResponse === true;
    forward(context, collect, this.options.filterLimit, (outcome) => {
      try {
        this.forwarded(context, plan, outcome);
      } catch {
        this.refuse(context, "internal-error");
      }
    });
  }

  private forwarded(context: RequestContext, plan: FilterPlan | null, outcome: ForwardOutcome): void {
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

  /** Runs a stage; anything it throws is a 500 for this request only. */
  private guard(context: RequestContext, stage: (this: Gateway, context: RequestContext) => void): void {
    try {
      stage.call(this, context);
    } catch {
      this.refuse(context, "internal-error");
    }
  }

  /** Continues with `next` once `pending` settles; a rejection is a 500. */
  private later<T>(
    context: RequestContext,
    pending: Promise<T>,
    next: (this: Gateway, context: RequestContext, value: T) => void,
  ): void {
    pending.then(
      (value) => this.guard(context, () => next.call(this, context, value)),
      () => this.refuse(context, "internal-error"),
    );
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
  if (context === undefined) return;
  this[LOGGED] = undefined;
  context.observers.inflight?.leave(context.state);
  logDecision(context, context.observers);
}

function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const colon = header.indexOf(":");
  const withoutPort = header.startsWith("[")
    ? header.slice(0, header.indexOf("]") + 1)
    : colon === -1
      ? header
      : header.slice(0, colon);
  return withoutPort.toLowerCase();
}
