// Pass `bundle`: esbuild turns the emitted source and the engine it imports into one
// self-contained ES module. `re2` stays external: the loader passes it in.
import { build } from "esbuild";
import { packageRoot } from "../package-root.ts";

export async function runBundle(source: string): Promise<string> {
  const root = packageRoot();
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: "decision.generated.js", loader: "js" },
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    external: ["re2"],
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
