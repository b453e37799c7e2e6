// Table-driven fixtures of the analysis warnings (RRC5001–RRC5005): each
// test/analyze/fixtures/<case>/ holds `policy.json` and `expected.json`, the warnings with
// their positions and notes, and the rules pruned from the bundle. Every policy must still
// build, and every fixture is also run through the three evaluators.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/pipeline.ts";
import { buildThreeWays, type ThreeWays } from "../support/three-ways.ts";

const FIXTURES = resolve(import.meta.dirname, "fixtures");

interface Expected {
  readonly diagnostics: readonly {
    readonly code: string;
    readonly line: number;
    readonly column: number;
    readonly message: string;
    /** Messages; those about another rule end with `@line:column` of that rule. */
    readonly notes: readonly string[];
  }[];
  readonly pruned: readonly string[];
  /** Requests decided by the three evaluators (interpreter on the full IR, pruned bundle). */
  readonly requests?: readonly { method: string; path: string; credential?: string }[];
}

const cases = readdirSync(FIXTURES).sort();
const open: ThreeWays[] = [];
afterAll(() => {
  for (const built of open) built.dispose();
});

describe.each(cases)("analysis fixture %s", (name) => {
  const policy = join(FIXTURES, name, "policy.json");
  const expected = JSON.parse(readFileSync(join(FIXTURES, name, "expected.json"), "utf8")) as Expected;

  it("reports the expected warnings, at their positions, and prunes the expected rules", async () => {
    const result = await compile({ paths: [policy], cwd: process.cwd(), until: "artifact" });
    expect(result.ok).toBe(true);
    const actual = result.diagnostics.map((item) => ({
      code: item.code,
      file: item.span ? relative(resolve(FIXTURES, name), resolve(item.span.file)) : null,
      line: item.span?.line,
      column: item.span?.column,
      message: item.message,
      // A note on another rule ends with that rule's position.
      notes: (item.notes ?? []).map((note) =>
        note.span ? `${note.message} @${note.span.line}:${note.span.column}` : note.message,
      ),
    }));
    expect(actual).toEqual(expected.diagnostics.map((item) => ({ ...item, file: "policy.json" })));
    expect(result.bundle!.manifest.pruned).toEqual(expected.pruned);
    expect(result.bundle!.manifest.stats.rulesPruned).toBe(expected.pruned.length);
  });

  it("decides alike with the interpreter on the full policy and the pruned bundle", async () => {
    const built = await buildThreeWays([policy]);
    open.push(built);
    const proxy = built.result.flat!.proxies[0]!;
    const paths = [
      "/",
      "/admin",
      "/admin/users",
      "/admin/users/7",
      "/v1/charges",
      "/files/7",
      "/files/8",
      "/reports",
      "/reports/a",
      "/reports/b",
      "/public/x",
      "/internal",
      "/internal/x",
      "/a/x",
      "/b/x",
      "/ADMIN/x",
      "/export",
      "/import",
      "/health",
      "/upload",
      "/x",
      "/v1/secrets",
      "/v1/",
      ...(expected.requests ?? []).map((r) => r.path),
    ];
    for (const pair of proxy.pairs) {
      for (const method of ["GET", "POST", "DELETE", "PURGE"]) {
        for (const path of paths) {
          built.decide({
            proxy: proxy.id,
            credential: pair.credential,
            method,
            path,
            headers: {},
            query: {},
          });
        }
      }
    }
  });
});
