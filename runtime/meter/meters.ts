// The gateway's meter stage (SPEC §6). Runs after authorization: admit() decides with one atomic
// store call per request; settle() adds value meters' numbers once the response is known.
//
// Counting: an admitted request increments every applicable counter before it is forwarded, so a
// request that then fails upstream (502/504, or a non-2xx answer) still counts once. Value meters
// add only for 2xx JSON responses, via settle().
import type { Meter as MeterEntity, MeterWindow, PolicyDocument } from "../../compiler/authoring/types.ts";
import { JsonText } from "../json/text.ts";
import { type JsonPathSegment, parseJsonPath, selectJsonPath } from "../request/json-path.ts";
import { compilePathMatcher } from "../request/path-matcher.ts";
import { type LimitReading, limitHeaders } from "./headers.ts";
import { type StateTemplate, stateTemplate, stateText } from "./state-text.ts";
import {
  type Admission,
  type CounterAdd,
  type CounterTake,
  type MeterRequest,
  type MeterStore,
  MeterStoreUnavailable,
  type TakeResult,
} from "./types.ts";
import { WINDOWS } from "./windows.ts";

interface CompiledMeter {
  readonly id: string;
  readonly perCredential: boolean;
  /** Limited windows, or every window with a null limit for a counting-only meter. */
  readonly windows: readonly { readonly window: MeterWindow; readonly limit: number | null }[];
  readonly methods: ReadonlySet<string> | null;
  readonly path: { test(subject: string): boolean } | null;
  /** Value meters add what this path selects in the response instead of counting requests. */
  readonly isValue: boolean;
  /** The parsed value path; null for request meters, or (the compiler prevents it) an invalid path. */
  readonly valuePath: readonly JsonPathSegment[] | null;
}

type MeterTake = CounterTake & { readonly meter: string };

const NOTHING_TAKEN: TakeResult = Object.freeze({ admitted: true, now: 0, counters: [] });

export interface MetersOptions {
  /** Admit requests when the store is unreachable (no headers, nothing counted). Default: fail closed. */
  readonly failOpen?: boolean;
  /** Failures that are not thrown: settle() errors and store outages under failOpen. */
  readonly onError?: (error: unknown) => void;
}

/** What admission asks of the store for one set of applicable meters and one credential. */
interface AdmissionPlan {
  readonly takes: readonly MeterTake[];
  readonly valueMeters: readonly CompiledMeter[];
  /** The meters with a take, each once. */
  readonly meterIds: readonly string[];
  readonly state: StateTemplate;
}

interface ProxyMeters {
  readonly meters: readonly CompiledMeter[];
  /** credential → bitmask of applicable meters → plan: the counter names and takes are built once. */
  readonly plans: Map<string, Map<number, AdmissionPlan>>;
}

/** Plans are cached by a bitmask of the applicable meters; a proxy with more meters builds them per request. */
const MAX_CACHED_METERS = 30;

const NO_SETTLE = (): Promise<void> => Promise.resolve();

export class Meters {
  readonly #byProxy = new Map<string, ProxyMeters>();
  readonly #pending = new Set<Promise<void>>();
  readonly #failOpen: boolean;
  readonly #onError: (error: unknown) => void;

  /** The store is the caller's: it outlives bundle reloads, each of which builds a new Meters. */
  constructor(
    document: PolicyDocument,
    private readonly store: MeterStore,
    options: MetersOptions = {},
  ) {
    this.#failOpen = options.failOpen ?? false;
    this.#onError = options.onError ?? (() => {});
    for (const proxy of document.proxies ?? []) {
      const meters = (proxy.meters ?? []).map(compileMeter);
      if (meters.length > 0) this.#byProxy.set(proxy.id, { meters, plans: new Map() });
    }
  }

  /** Whether the proxy has meters at all: lets the gateway skip the stage without a promise. */
  has(proxy: string): boolean {
    return this.#byProxy.has(proxy);
  }

  /**
   * null when no meter applies to this request (no headers, no work). Synchronous when the store is
   * (the embedded one); throws or rejects with MeterStoreUnavailable unless failing open.
   */
  admit(request: MeterRequest): Admission | null | Promise<Admission | null> {
    const plan = this.#plan(request);
    if (plan === null) return null;
    if (plan.takes.length === 0) return this.#admission(request, plan, NOTHING_TAKEN);
    let pending: TakeResult | Promise<TakeResult>;
    try {
      pending = this.store.take(plan.takes);
    } catch (error) {
      return this.#storeFailed(error);
    }
    if (pending instanceof Promise) {
      return pending.then(
        (result) => this.#admission(request, plan, result),
        (error: unknown) => this.#storeFailed(error),
      );
    }
    return this.#admission(request, plan, pending);
  }

  /** The applicable meters' plan for this request's credential; null when none applies. */
  #plan(request: MeterRequest): AdmissionPlan | null {
    const proxy = this.#byProxy.get(request.proxy);
    if (proxy === undefined) return null;
    const method = request.method.toUpperCase();
    const meters = proxy.meters;
    const path = request.canonicalPath;
    if (meters.length > MAX_CACHED_METERS) {
      const applicable = meters.filter((meter) => applies(meter, method, path));
      return applicable.length === 0 ? null : buildPlan(request, applicable);
    }
    let mask = 0;
    for (let index = 0; index < meters.length; index++) {
      if (applies(meters[index]!, method, path)) mask |= 1 << index;
    }
    if (mask === 0) return null;
    let byMask = proxy.plans.get(request.credential);
    if (byMask === undefined) {
      byMask = new Map();
      proxy.plans.set(request.credential, byMask);
    }
    let plan = byMask.get(mask);
    if (plan === undefined) {
      plan = buildPlan(
        request,
        meters.filter((_meter, index) => (mask & (1 << index)) !== 0),
      );
      byMask.set(mask, plan);
    }
    return plan;
  }

  /** Fails closed (throws) unless told to fail open: then admits without headers or counting. */
  #storeFailed(error: unknown): Admission {
    const unavailable =
      error instanceof MeterStoreUnavailable
        ? error
        : new MeterStoreUnavailable("meter store failed", { cause: error });
    if (!this.#failOpen) throw unavailable;
    this.#onError(unavailable);
    return new MeterAdmission(true, [], null, STORE_UNAVAILABLE, [], false, NO_SETTLE);
  }

  #admission(request: MeterRequest, plan: AdmissionPlan, result: TakeResult): Admission {
    const takes = plan.takes;
    const limited: LimitReading[] = [];
    const counts: string[] = [];
    for (let index = 0; index < takes.length; index++) {
      const take = takes[index]!;
      const reading = result.counters[index]!;
      counts.push(formatCount(reading.used));
      if (take.limit === null) continue;
      limited.push({
        meter: take.meter,
        window: take.window,
        limit: take.limit,
        increment: take.increment,
        used: reading.used,
        windowStart: reading.windowStart,
        windowEnd: reading.windowEnd,
      });
    }
    const state = new JsonText(stateText(plan.state, counts));
    const { headers, exceeded } = limitHeaders(limited, result.admitted, result.now);
    const needsResponse = result.admitted && plan.valueMeters.length > 0;
    if (!needsResponse) {
      return new MeterAdmission(result.admitted, headers, exceeded, state, plan.meterIds, false, NO_SETTLE);
    }
    let settled = false;
    const settle = (document: unknown): Promise<void> => {
      if (settled) return Promise.resolve();
      settled = true;
      return this.track(this.settle(request, plan.valueMeters, document));
    };
    return new MeterAdmission(result.admitted, headers, exceeded, state, plan.meterIds, true, settle);
  }

  /** Waits for settlements in flight. The store is closed by its owner. */
  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  private async settle(request: MeterRequest, meters: readonly CompiledMeter[], document: unknown) {
    try {
      const adds: CounterAdd[] = [];
      for (const meter of meters) {
        if (meter.valuePath === null) continue;
        const amount = sumNumbers(document, meter.valuePath);
        if (amount <= 0) continue;
        const counter = counterName(request, meter);
        for (const { window } of meter.windows) adds.push({ counter, window, amount });
      }
      if (adds.length > 0) await this.store.add(adds);
    } catch (error) {
      this.#onError(error);
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.#pending.add(work);
    return work.finally(() => this.#pending.delete(work));
  }
}

function applies(meter: CompiledMeter, method: string, path: string): boolean {
  return (
    (meter.methods === null || meter.methods.has(method)) && (meter.path === null || meter.path.test(path))
  );
}

function counterName(request: MeterRequest, meter: CompiledMeter): string {
  return `${request.proxy}:${meter.id}:${meter.perCredential ? request.credential : "*"}`;
}

function buildPlan(request: MeterRequest, applicable: readonly CompiledMeter[]): AdmissionPlan {
  const takes: MeterTake[] = [];
  for (const meter of applicable) {
    const counter = counterName(request, meter);
    for (const { window, limit } of meter.windows) {
      // A counting-only value meter has nothing to check or count until the response.
      if (meter.isValue && limit === null) continue;
      takes.push(
        Object.freeze({ meter: meter.id, counter, window, limit, increment: meter.isValue ? 0 : 1 }),
      );
    }
  }
  return Object.freeze({
    takes,
    valueMeters: applicable.filter((meter) => meter.isValue),
    meterIds: [...new Set(takes.map((take) => take.meter))],
    state: stateTemplate(takes),
  });
}

function compileMeter(meter: MeterEntity): CompiledMeter {
  const limited = WINDOWS.flatMap((window) => {
    const limit = meter.limits?.[window];
    return limit === undefined ? [] : [{ window, limit }];
  });
  const parsed = meter.value === undefined ? null : parseJsonPath(meter.value);
  return {
    id: meter.id,
    perCredential: meter.per === "credential",
    windows: limited.length > 0 ? limited : WINDOWS.map((window) => ({ window, limit: null })),
    methods: meter.match?.methods ? new Set(meter.match.methods) : null,
    path:
      meter.match?.path === undefined
        ? null
        : compilePathMatcher(meter.match.path, meter.match.flags === "i"),
    isValue: parsed !== null,
    // The compiler rejects invalid paths (RRC3006, RRC3102); one that slips through adds nothing.
    valuePath: parsed?.ok ? parsed.segments : null,
  };
}

/**
 * The sum of the finite, non-negative numbers a value path selects. Strings, booleans, objects and
 * negative numbers are ignored: an upstream answer must never lower a quota.
 */
export function sumNumbers(document: unknown, segments: readonly JsonPathSegment[]): number {
  const selected: unknown[] = [];
  selectJsonPath(document, segments, selected);
  let sum = 0;
  for (const value of selected) {
    if (typeof value === "number" && Number.isFinite(value) && value > 0) sum += value;
  }
  return sum;
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

const STORE_UNAVAILABLE = new JsonText('{"store":"unavailable"}');

class MeterAdmission implements Admission {
  constructor(
    readonly admitted: boolean,
    readonly headers: readonly (readonly [string, string])[],
    readonly exceeded: string | null,
    readonly stateText: JsonText,
    readonly meterIds: readonly string[],
    readonly needsResponse: boolean,
    readonly settle: (document: unknown) => Promise<void>,
  ) {}

  get state(): Readonly<Record<string, unknown>> {
    return this.stateText.toJSON() as Readonly<Record<string, unknown>>;
  }
}
