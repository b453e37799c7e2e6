// The decision contract shared by the reference interpreter and the emitted module.
import type { ScopeKind } from "../../compiler/ir/index.ts";

export type FieldValue = string | readonly string[];

/** `rrc eval` input (SPEC §11). `body`: undefined = no body; a string or bytes = the raw
 * request body (parsed when a body rule needs it); anything else = an already parsed JSON value. */
export interface DecisionRequest {
  readonly proxy: string;
  readonly credential: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, FieldValue>>;
  readonly query?: Readonly<Record<string, FieldValue>>;
  readonly body?: unknown;
  readonly claims?: Readonly<Record<string, unknown>> | null;
}

export type Verdict = "allow" | "deny";

export interface Decision {
  readonly verdict: Verdict;
  readonly status: number;
  readonly code: DecisionCode;
  readonly scope: ScopeKind | null;
  readonly rule: string | null;
}

/** Stable codes; the gateway sends them as `x-rrc-code` and in problem+json bodies. */
export const DECISION_CODES = {
  "access-granted": 200,
  "rule-denied": 403,
  "default-denied": 403,
  "unknown-proxy": 404,
  "credential-not-accepted": 403,
  "non-canonical-request": 400,
  "ambiguous-request": 400,
  "body-not-inspectable": 400,
  "body-too-large": 413,
  // Internal, never sent: the request's body was PENDING_BODY and a body rule could apply,
  // so the gateway must read the body (bounded) and decide again.
  "body-required": 0,
} as const;

/** Stands for a body the gateway has not read yet; see `body-required`. */
export const PENDING_BODY: unique symbol = Symbol.for("rrc.pending-body");

export type DecisionCode = keyof typeof DECISION_CODES;
