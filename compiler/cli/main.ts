// The `rrc` command line. Exit codes (SPEC §11): 0 success, 1 user-facing errors
// (diagnostics, refused bundle, bad input), 2 internal error.
//
// The compiler's commands are imported when run, so `rrc serve` never loads the compiler
// (refa, esbuild, ajv, yaml, …): scripts/build.mjs splits each into its own chunk.
import { parseArgs } from "node:util";
import { BundleError } from "../../runtime/bundle/load.ts";
import { runSecretCommand } from "../../runtime/secrets/encrypt.ts";
import { type ErrorOn, parseErrorOn } from "../analyze/relevel.ts";
import { packageVersion } from "../package-root.ts";
import { runServe, SERVE_OPTIONS } from "./serve-command.ts";
import { UsageError } from "./usage-error.ts";

const HELP = `rrc — policy-as-code compiler and gateway for API access control

usage:
  rrc check <policies...> [--format pretty|json|github] [--error-on <codes>|all-warnings]
  rrc build <policies...> --out <dir> [--format pretty|json|github] [--error-on <codes>|all-warnings]
  rrc eval  (--bundle <dir> | <policies...>) --request <file|->
  rrc explain (--bundle <dir> | <policies...>) --request <file|->
  rrc test <policies|bundle> [test files or dirs...] [--format pretty|json|junit] [--min-coverage <percent>]
  rrc matrix <policies|bundle> [--format markdown|html|json]
  rrc diff <old policies|bundle> <new policies|bundle> [--format markdown|json] [--exit-code]
  rrc serve --bundle <dir> [--port 8080] [--host 0.0.0.0] [--admin-port 9901|off]
            [--verify-key <ed25519 public key pem>] [--watch] [--hide-rules] [--filter-limit <bytes>]
            [--upstream-timeout <ms>] [--client-timeout <ms>] [--shadow-bundle <dir>]
            [--log stdout|none|file:<path>|http(s)://<collector>] [--log-max-bytes <bytes>] [--log-keep <n>]
            [--log-buffer <records>] [--log-backpressure drop|block] [--log-block-timeout <ms>]
            [--log-retry-max <ms>]   (docs/telemetry.md)
  rrc review --bundle <dir> --logs <files...> [--unused-days 30] [--now <time>] [--format markdown|json]
  rrc secret encrypt < plaintext      (key from RRC_SECRET_KEY)
  rrc secret keygen

<policies> are .json or .ts files, or directories of them.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "secret") {
    return runSecretCommand(rest, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
    });
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "pretty" },
      out: { type: "string" },
      "sign-key": { type: "string" },
      ...SERVE_OPTIONS,
      bundle: { type: "string" },
      request: { type: "string" },
      "min-coverage": { type: "string" },
      "error-on": { type: "string", multiple: true },
      "exit-code": { type: "boolean" },
      logs: { type: "string", multiple: true },
      "unused-days": { type: "string" },
      now: { type: "string" },
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
    case "check": {
      const { runCheck } = await import("./build-commands.ts");
      return runCheck(positionals, values.format, errorOn(values["error-on"]));
    }
    case "build": {
      const { runBuild } = await import("./build-commands.ts");
      return runBuild(
        positionals,
        values.out,
        values.format,
        values["sign-key"],
        errorOn(values["error-on"]),
      );
    }
    case "diff": {
      const { runDiff } = await import("../diff/command.ts");
      return runDiff(positionals, {
        format: values.format,
        exitCode: values["exit-code"] ?? false,
        cwd: process.cwd(),
        stdout: process.stdout,
        stderr: process.stderr,
      });
    }
    case "serve":
      if (positionals.length > 0) throw new UsageError("`rrc serve` takes no positional arguments");
      return runServe(values);
    case "eval":
    case "explain": {
      const { runDecide } = await import("./decide-commands.ts");
      return runDecide(command, positionals, values.bundle, values.request);
    }
    case "test": {
      const { runTestCommand } = await import("../policy-test/command.ts");
      return runTestCommand(positionals, {
        format: values.format,
        minCoverage: values["min-coverage"],
        bundle: values.bundle,
      });
    }
    case "matrix": {
      const { runMatrixCommand } = await import("../matrix/command.ts");
      return runMatrixCommand(positionals, { format: values.format, bundle: values.bundle });
    }
    case "review": {
      const { runReviewCommand } = await import("../review/command.ts");
      return runReviewCommand(positionals, {
        bundle: values.bundle,
        logs: values.logs,
        unusedDays: values["unused-days"],
        now: values.now,
        format: values.format,
      });
    }
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
    } else if (isStartupError(error)) {
      process.stderr.write(`rrc: cannot start [${error.code}]: ${error.message}\n`);
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

/** `--error-on RRC5002,RRC5003` (repeatable) or `--error-on all-warnings`. */
function errorOn(values: readonly string[] | undefined): ErrorOn | undefined {
  if (values === undefined) return undefined;
  try {
    return parseErrorOn(values);
  } catch (error) {
    throw new UsageError(`--error-on: ${(error as Error).message}`);
  }
}

/** Secrets that cannot be resolved and ports that cannot be bound are user errors. */
function isStartupError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error) || !("code" in error)) return false;
  const code = String(error.code);
  return (
    code.startsWith("secret-") ||
    code.startsWith("upstream-auth-") ||
    code === "worker-start-failed" ||
    code === "EADDRINUSE" ||
    code === "EACCES"
  );
}
