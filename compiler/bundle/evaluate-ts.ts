// Runs a type-checked TypeScript policy to get the document it default-exports.
// esbuild bundles the file and what it imports (the `rrc` authoring API included) into
// one module evaluated from memory, so policies may compose helpers across files.
import { dirname } from "node:path";
import { build } from "esbuild";
import { authoringEntry } from "../package-root.ts";

export type Evaluation = { ok: true; value: unknown } | { ok: false; message: string };

export async function evaluateTypeScriptPolicy(absolutePath: string): Promise<Evaluation> {
  let code: string;
  try {
    const result = await build({
      entryPoints: [absolutePath],
      absWorkingDir: dirname(absolutePath),
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      alias: { rrc: authoringEntry() },
      logLevel: "silent",
    });
    code = result.outputFiles[0]!.text;
  } catch (error) {
    return { ok: false, message: firstLine(error) };
  }
  try {
    const url = `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
    const module = (await import(url)) as { default?: unknown };
    return { ok: true, value: module.default };
  } catch (error) {
    return { ok: false, message: firstLine(error) };
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
