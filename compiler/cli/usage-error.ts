/** A mistake in how the CLI was called or fed: reported in one line, exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
