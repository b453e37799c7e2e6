// Builds the access matrix of a policy document written to a scratch folder.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { type AccessMatrix, buildMatrix, type MatrixCell } from "../../compiler/matrix/access.ts";
import { compile } from "../../compiler/pipeline.ts";

const root = mkdtempSync(join(tmpdir(), "rrc-matrix-"));
let count = 0;

export function disposeMatrixFiles(): void {
  rmSync(root, { recursive: true, force: true });
}

export async function matrixOf(document: unknown): Promise<AccessMatrix> {
  const file = join(root, `policy-${count++}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  const result = await compile({ paths: [file], cwd: root, until: "flatten" });
  if (!result.ok)
    throw new Error(result.diagnostics.map((item) => `${item.code} ${item.message}`).join("\n"));
  return buildMatrix(result.flat!, result.document as PolicyDocument);
}

export function cell(matrix: AccessMatrix, proxy: string, credential: string): MatrixCell {
  const found = matrix.cells.find((item) => item.proxy === proxy && item.credential === credential);
  if (!found) throw new Error(`no cell ${proxy} × ${credential}`);
  return found;
}

const digest = (index: number) => `sha256:${String(index).repeat(64)}`;

/** One target and target credential, the given credentials (apiKey unless typed) and proxies. */
export function policy(shape: {
  credentials: (string | { id: string; auth?: object; rules?: object[]; default?: string })[];
  proxies: object[];
  target?: object;
  targetCredential?: object;
}): unknown {
  return {
    targets: [{ id: "t", url: "http://127.0.0.1:9", ...shape.target }],
    targetCredentials: [{ id: "tc", target: "t", auth: { type: "none" }, ...shape.targetCredential }],
    proxyCredentials: shape.credentials.map((item, index) =>
      typeof item === "string"
        ? { id: item, auth: { type: "apiKey", keys: [digest(index)] } }
        : { auth: { type: "apiKey", keys: [digest(index)] }, ...item },
    ),
    proxies: shape.proxies.map((proxy) => ({ target: "t", targetCredential: "tc", ...proxy })),
  };
}
