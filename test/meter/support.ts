// Small policy documents for meter tests: only `proxies[].meters` matters to the meter stage.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Meter, PolicyDocument } from "../../compiler/authoring/types.ts";
import type { Admission, MeterRequest } from "../../runtime/meter/index.ts";

export function policy(proxies: Readonly<Record<string, readonly Meter[]>>): PolicyDocument {
  return {
    proxies: Object.entries(proxies).map(([id, meters]) => ({
      id,
      target: "t",
      targetCredential: "tc",
      credentials: ["alice", "bob"],
      default: "allow",
      meters,
    })),
  };
}

export function request(overrides: Partial<MeterRequest> = {}): MeterRequest {
  return { proxy: "p", credential: "alice", method: "GET", canonicalPath: "/v1/things", ...overrides };
}

export function header(admission: Admission | null, name: string): string | undefined {
  return admission?.headers.find(([key]) => key === name)?.[1];
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "rrc-meter-"));
}

/** A settable clock for the embedded store. */
export function clock(iso: string): { now: () => number; set(iso: string): void; advance(ms: number): void } {
  let current = Date.parse(iso);
  return {
    now: () => current,
    set(next: string) {
      current = Date.parse(next);
    },
    advance(ms: number) {
      current += ms;
    },
  };
}
