// Reading and checking the request document that `rrc eval` and `rrc explain` take.
import { readFileSync } from "node:fs";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import { UsageError } from "./usage-error.ts";

export function readRequest(source: string): DecisionRequest {
  let text: string;
  try {
    text = source === "-" ? readFileSync(0, "utf8") : readFileSync(source, "utf8");
  } catch {
    throw new UsageError(`cannot read request \`${source}\``);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`request is not valid JSON: ${(error as Error).message}`);
  }
  return checkRequest(value);
}

const KNOWN = new Set(["proxy", "credential", "method", "path", "headers", "query", "body", "claims"]);

export function checkRequest(value: unknown): DecisionRequest {
  if (!isRecord(value)) throw new UsageError("request must be a JSON object");
  for (const key of Object.keys(value)) {
    if (!KNOWN.has(key)) throw new UsageError(`unknown request field \`${key}\``);
  }
  for (const key of ["proxy", "credential", "method", "path"] as const) {
    if (typeof value[key] !== "string") throw new UsageError(`request field \`${key}\` must be a string`);
  }
  for (const key of ["headers", "query"] as const) {
    const map = value[key];
    if (map === undefined) continue;
    if (!isRecord(map)) throw new UsageError(`request field \`${key}\` must be an object`);
    for (const [name, field] of Object.entries(map)) {
      const ok =
        typeof field === "string" ||
        (Array.isArray(field) && field.every((item) => typeof item === "string"));
      if (!ok) throw new UsageError(`\`${key}.${name}\` must be a string or an array of strings`);
    }
  }
  if (value.claims !== undefined && value.claims !== null && !isRecord(value.claims)) {
    throw new UsageError("request field `claims` must be an object");
  }
  return value as unknown as DecisionRequest;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
