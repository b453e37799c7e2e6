// Stage `meter` (SPEC §6): after authorization, before forwarding. Admission is all or
// nothing across the proxy's applicable meters; a rejection is 429 with Retry-After and
// RateLimit headers, an unreachable store 503 (unless the gateway was told to fail open).
import { type Admission, MeterStoreUnavailable } from "../meter/index.ts";
import type { RequestContext } from "./context.ts";
import type { ProblemCode } from "./problems.ts";

export type MeterOutcome = { ok: true } | { ok: false; code: ProblemCode };

export const ADMITTED: MeterOutcome = Object.freeze({ ok: true });
const RATE_LIMITED: MeterOutcome = Object.freeze({ ok: false, code: "rate-limited" });
const STORE_UNAVAILABLE: MeterOutcome = Object.freeze({ ok: false, code: "meter-store-unavailable" });

/** Synchronous with the embedded store; a promise with a remote one (Redis, a cluster's primary). */
export function meter(context: RequestContext): MeterOutcome | Promise<MeterOutcome> {
  let pending: Admission | null | Promise<Admission | null>;
  try {
    pending = context.state.meters.admit({
      proxy: context.proxy!.id,
      credential: context.credential!,
      method: context.request.method ?? "",
      canonicalPath: context.canonicalPath!,
    });
  } catch (error) {
    return storeFailed(error);
  }
  if (pending instanceof Promise)
    return pending.then((admission) => admitted(context, admission), storeFailed);
  return admitted(context, pending);
}

function admitted(context: RequestContext, admission: Admission | null): MeterOutcome {
  if (admission === null) return ADMITTED;
  context.admission = admission;
  context.extraHeaders = admission.headers;
  return admission.admitted ? ADMITTED : RATE_LIMITED;
}

function storeFailed(error: unknown): MeterOutcome {
  if (error instanceof MeterStoreUnavailable) return STORE_UNAVAILABLE;
  throw error;
}
