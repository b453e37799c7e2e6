// Shared set-up for gateway end-to-end tests: build a policy document into a bundle on
// disk, and find a loopback port nothing listens on.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBundle } from "../../compiler/artifact/index.ts";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { compile } from "../../compiler/pipeline.ts";

export function workspace(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rrc-${prefix}-`));
}

export async function buildPolicy(document: PolicyDocument, dir: string, name = "bundle"): Promise<string> {
  const policyDir = join(dir, `${name}-src`);
  const { mkdirSync } = await import("node:fs");
  mkdirSync(policyDir, { recursive: true });
  writeFileSync(join(policyDir, "policy.json"), JSON.stringify(document, null, 2));
  const result = await compile({ paths: [policyDir], cwd: dir, until: "artifact" });
  if (!result.ok || !result.bundle) {
    throw new Error(
      `test policy did not build: ${result.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`,
    );
  }
  const out = join(dir, name);
  writeBundle(out, result.bundle);
  return out;
}

/** A port that was free a moment ago and has nothing listening now. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
