// The decision record (SPEC §10): one per request, one JSON line in the decision log.
//
// It has no header, query, body, claim or upstream-secret fields on purpose: those can carry
// secrets (tokens, API keys, personal data), and a log is copied far more widely than the
// gateway's own memory. The schema forbids extra properties so a field cannot creep in.
//
// The schema lives in `schemas/decision-log.schema.json` (for SIEM pipelines and editors);
// this module exports that very file, and a test keeps the interface and the schema in step.
import schema from "../../schemas/decision-log.schema.json" with { type: "json" };
import type { JsonText } from "../json/text.ts";

/** What the shadow bundle decided, when it disagreed with the enforced decision. */
export interface ShadowOutcome {
  verdict: "allow" | "deny";
  code: string;
  scope: string | null;
  rule: string | null;
}

export interface DecisionRecord {
  /** ISO 8601, UTC (`Date.prototype.toISOString`). */
  time: string;
  requestId: string;
  proxy: string | null;
  credential: string | null;
  method: string;
  /** The canonical path, or the raw path when the request was refused before canonicalisation. */
  path: string;
  verdict: "allow" | "deny";
  status: number;
  code: string;
  scope: string | null;
  rule: string | null;
  /** The meters' state; as JsonText when the meter stage wrote it ahead (the log line is the same). */
  meter?: Record<string, unknown> | JsonText | null;
  decisionUs: number;
  totalMs: number;
  upstreamStatus: number | null;
  /** Only with a shadow bundle, and only when it disagreed. */
  shadow?: ShadowOutcome;
}

/** JSON Schema (draft 2020-12) of one decision log line: `schemas/decision-log.schema.json`. */
export const decisionRecordSchema: Readonly<Record<string, unknown>> = schema;
