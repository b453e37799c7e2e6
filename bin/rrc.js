#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm install` (prepare) or `npm run build`.
import("../dist/cli.js").catch((error) => {
  process.stderr.write(`rrc: cannot start (${error?.message ?? error}); run \`npm run build\` first\n`);
  process.exit(2);
});
