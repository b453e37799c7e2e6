// Bundles the CLI, the authoring API and the benchmarks into dist/ with esbuild.
// Dependencies stay external so native modules (re2) load from node_modules.
import { existsSync } from "node:fs";
import { build } from "esbuild";

const entryPoints = {
  cli: "compiler/cli/main.ts",
  authoring: "compiler/authoring/index.ts",
  "bench/decide.bench": "bench/decide.bench.ts",
  "bench/gateway.bench": "bench/gateway.bench.ts",
  "bench/gateway-servers": "bench/gateway-servers.ts",
  "bench/gateway-js.bench": "bench/gateway-js.bench.ts",
  "bench/gateway-instructions.bench": "bench/gateway-instructions.bench.ts",
  "bench/meter.bench": "bench/meter.bench.ts",
  "bench/analyze.bench": "bench/analyze.bench.ts",
  "bench/peers.bench": "bench/peers.bench.ts",
  "bench/jwt.bench": "bench/jwt.bench.ts",
  "bench/scale.bench": "bench/scale.bench.ts",
  "bench/check": "bench/check/main.ts",
};

// Entries not written yet are skipped so a partial checkout still installs.
const present = Object.fromEntries(Object.entries(entryPoints).filter(([, file]) => existsSync(file)));

await build({
  entryPoints: present,
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  // The CLI imports each compiler command when it runs (compiler/cli/main.ts): chunks keep
  // their dependencies out of `rrc serve`.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  logLevel: "warning",
  banner: {
    js: "import { createRequire as __rrcCreateRequire } from 'node:module'; const require = __rrcCreateRequire(import.meta.url);",
  },
});
