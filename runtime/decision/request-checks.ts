// The request-shape checks of SPEC §5 that a decision can see: method form, ambiguous
// repeated fields, and reading a body that a body rule must inspect.
import { collectHeader, collectQuery, type FieldMap } from "../request/fields.ts";
import { parseJsonBody } from "../request/json-body.ts";
import { type DecisionCode, PENDING_BODY } from "./types.ts";

const EMPTY: FieldMap = Object.freeze({});

/** Methods are case-sensitive tokens (RFC 9110 §9.1); anything but upper-case letters is
 * refused so that `get` or `GET ` cannot slip past a rule written for `GET`. */
export function isCanonicalMethod(method: string): boolean {
  if (method.length === 0 || method.length > 32) return false;
  for (let index = 0; index < method.length; index++) {
    const code = method.charCodeAt(index);
    if (code < 65 || code > 90) return false;
  }
  return true;
}

const scratch: string[] = [];

/** True when a header or query parameter some rule inspects appears more than once. */
export function hasAmbiguousField(
  headers: FieldMap | undefined,
  query: FieldMap | undefined,
  inspectedHeaders: readonly string[],
  inspectedQuery: readonly string[],
): boolean {
  for (const name of inspectedHeaders) {
    scratch.length = 0;
    collectHeader(headers ?? EMPTY, name, scratch);
    if (scratch.length > 1) return true;
  }
  for (const name of inspectedQuery) {
    scratch.length = 0;
    collectQuery(query ?? EMPTY, name, scratch);
    if (scratch.length > 1) return true;
  }
  return false;
}

export type BodyValue = { ok: true; value: unknown } | { ok: false; code: DecisionCode };

/** The JSON value body rules see. No body (or an empty one) is `undefined`: body checks
 * then select nothing. A body that cannot be inspected is refused, never passed. */
export function readBody(body: unknown, limit: number): BodyValue {
  if (body === undefined || body === null) return { ok: true, value: undefined };
  if (body === PENDING_BODY) return { ok: false, code: "body-required" };
  if (typeof body === "string" || body instanceof Uint8Array) {
    const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    if (size === 0) return { ok: true, value: undefined };
    if (size > limit) return { ok: false, code: "body-too-large" };
    const parsed = parseJsonBody(body);
    if (parsed.ok) return { ok: true, value: parsed.value };
    return {
      ok: false,
      code: parsed.reason === "duplicate-key" ? "ambiguous-request" : "body-not-inspectable",
    };
  }
  return { ok: true, value: body };
}
