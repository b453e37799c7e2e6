// The `rrc` command line. Exit codes (SPEC §11): 0 success, 1 user-facing errors
// (diagnostics, refused bundle, bad input), 2 internal error.
import { parseArgs } from "node:util";
import { BundleError } from "../../runtime/bundle/load.ts";
import { packageVersion } from "../package-root.ts";
import { runBuild, runCheck } from "./build-commands.ts";
import { runDecide } from "./decide-commands.ts";
import { UsageError } from "./usage-error.ts";

const HELP = `rrc — policy-as-code compiler and gateway for API access control

usage:
  rrc check <policies...> [--format pretty|json|github]
  rrc build <policies...> --out <dir> [--format pretty|json|github]
  rrc eval  (--bundle <dir> | <policies...>) --request <file|->
  rrc explain (--bundle <dir> | <policies...>) --request <file|->

<policies> are .json or .ts files, or directories of them.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "pretty" },
      out: { type: "string" },
      bundle: { type: "string" },
      request: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || command === "help" || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined ? 1 : 0;
  }
  switch (command) {
    case "--version":
    case "version":
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case "check":
      return runCheck(positionals, values.format);
    case "build":
      return runBuild(positionals, values.out, values.format);
    case "eval":
    case "explain":
      return runDecide(command, positionals, values.bundle, values.request);
    default:
      throw new UsageError(`unknown command \`${command}\` (see \`rrc help\`)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      process.stderr.write(`rrc: ${(error as Error).message}\n`);
      process.exitCode = 1;
    } else if (error instanceof BundleError) {
      process.stderr.write(`rrc: bundle refused [${error.code}]: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      // Stack frames of modules imported from memory carry the whole module as a URL.
      const trimmed = detail.replace(/data:text\/javascript;base64,[A-Za-z0-9+/=]+/g, "<decision module>");
      process.stderr.write(`rrc: internal error: ${trimmed}\n`);
      process.exitCode = 2;
    }
  },
);
