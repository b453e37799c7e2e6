// The stdout sink against a real process.stdout (a pipe): the log is bundled with esbuild into
// a small script, run as a child process, and its stdout read back.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, expect, it } from "vitest";
import { requestIds } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "rrc-decision-log-stdout-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
import { DecisionLog } from ${JSON.stringify(resolve(import.meta.dirname, "../../runtime/observe/decision-log.ts"))};
import { allowRecord } from ${JSON.stringify(resolve(import.meta.dirname, "support.ts"))};
const log = new DecisionLog({ kind: "stdout" });
for (let n = 0; n < 5000; n++) log.write(allowRecord(n));
await log.close();
process.stderr.write(JSON.stringify({ written: log.written, dropped: log.dropped }));
`;

it("writes every record to the process's stdout, in order", async () => {
  const outfile = join(dir, "log-to-stdout.mjs");
  await build({
    stdin: { contents: SCRIPT, resolveDir: dir, loader: "ts" },
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    // As scripts/build.mjs: bundled CommonJS dependencies (undici) call require().
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  const child = spawnSync(process.execPath, [outfile], {
    encoding: "utf8",
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(child.error).toBeUndefined();
  expect(child.status, child.stderr).toBe(0);
  expect(JSON.parse(child.stderr)).toEqual({ written: 5000, dropped: 0 });
  const lines = child.stdout.split("\n");
  expect(lines.pop()).toBe("");
  expect(requestIds(lines)).toEqual(Array.from({ length: 5000 }, (_, n) => `req-${n}`));
});
