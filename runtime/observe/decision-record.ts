// The decision record (SPEC §10): one per request, one JSON line in the decision log.
//
// It has no header, query, body, claim or upstream-secret fields on purpose: those can carry
// secrets (tokens, API keys, personal data), and a log is copied far more widely than the
// gateway's own memory. The schema forbids extra properties so a field cannot creep in.

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
  meter?: Record<string, unknown> | null;
  decisionUs: number;
  totalMs: number;
  upstreamStatus: number | null;
}

const nullableString = { type: ["string", "null"] } as const;

/** JSON Schema (draft 2020-12) of one decision log line. */
export const decisionRecordSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://rrc.dev/schemas/decision-record.schema.json",
  title: "rrc decision record",
  type: "object",
  additionalProperties: false,
  required: [
    "time",
    "requestId",
    "proxy",
    "credential",
    "method",
    "path",
    "verdict",
    "status",
    "code",
    "scope",
    "rule",
    "decisionUs",
    "totalMs",
    "upstreamStatus",
  ],
  properties: {
    // A pattern rather than `format: date-time`: only UTC is allowed, and ajv-formats is not a dependency.
    time: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$" },
    requestId: { type: "string", minLength: 1 },
    proxy: nullableString,
    credential: nullableString,
    method: { type: "string", minLength: 1 },
    path: { type: "string" },
    verdict: { enum: ["allow", "deny"] },
    status: { type: "integer", minimum: 100, maximum: 599 },
    code: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
    scope: nullableString,
    rule: nullableString,
    meter: { type: ["object", "null"] },
    decisionUs: { type: "number", minimum: 0 },
    totalMs: { type: "number", minimum: 0 },
    upstreamStatus: { type: ["integer", "null"], minimum: 100, maximum: 599 },
  },
} as const;
