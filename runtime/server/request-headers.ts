// The request's header fields by lower-case name, every value kept in order: what Node's
// `headersDistinct` holds, built here instead, with common names lower-cased in place
// (./header-names.ts) rather than into a fresh string each.
import { lowerCaseRequestHeaderName } from "./header-names.ts";
import { defineOwn } from "./request-target.ts";

export interface RequestHeaders {
  /** Lower-case name → its values in order; own properties only are ever read. */
  readonly byName: Record<string, string[]>;
  /** The lower-case name of each header line, in the order of `rawHeaders` (line i: names[i]). */
  readonly names: readonly string[];
}

export const NO_REQUEST_HEADERS: RequestHeaders = Object.freeze({ byName: Object.freeze({}), names: [] });

/** From Node's `rawHeaders` ([name, value, …] as received). */
export function readRequestHeaders(raw: readonly string[]): RequestHeaders {
  const byName: Record<string, string[]> = {};
  const names: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = lowerCaseRequestHeaderName(raw[index]!);
    names.push(name);
    const values = Object.hasOwn(byName, name) ? byName[name] : undefined;
    if (values !== undefined) values.push(raw[index + 1]!);
    // "__proto__" would set the object's prototype through plain assignment.
    else if (name === "__proto__") defineOwn(byName, name).push(raw[index + 1]!);
    else byName[name] = [raw[index + 1]!];
  }
  return { byName, names };
}

/** The values of a lower-case name; undefined when absent (never an inherited property). */
export function ownValues(headers: Readonly<Record<string, string[]>>, name: string): string[] | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}
