// Stage `meter` (SPEC §6): after authorization, before forwarding. Admission is all or
// nothing across the proxy's applicable meters; a rejection is 429 with Retry-After and
// RateLimit headers, an unreachable store 503 (unless the gateway was told to fail open).
import { type Admission, MeterStoreUnavailable } from "../meter/index.ts";
import type { RequestContext } from "./context.ts";
import type { ProblemCode } from "./problems.ts";

export type MeterOutcome = { ok: true } | { ok: false; code: ProblemCode };

export async function meter(context: RequestContext): Promise<MeterOutcome> {
  let admission: Admission | null;
  try {
    admission = await context.state.meters.admit({
      proxy: context.proxy!.id,
      credential: context.credential!,
      method: context.request.method ?? "",
      canonicalPath: context.canonicalPath!,
    });
  } catch (error) {
    if (error instanceof MeterStoreUnavailable) return { ok: false, code: "meter-store-unavailable" };
    throw error;
  }
  if (admission === null) return { ok: true };
  context.admission = admission;
  context.extraHeaders = admission.headers;
  return admission.admitted ? { ok: true } : { ok: false, code: "rate-limited" };
}
