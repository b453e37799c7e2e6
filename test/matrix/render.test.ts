// Matrix outputs: markdown, HTML and JSON on the examples and on a policy with hostile
// names and patterns, through the CLI and the renderers.
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderHtml } from "../../compiler/matrix/render-html.ts";
import { renderMarkdown } from "../../compiler/matrix/render-markdown.ts";
import { workspace } from "../policy-test/support.ts";
import { runCli } from "../support/run-cli.ts";
import { disposeMatrixFiles, matrixOf, policy } from "./support.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const space = workspace("rrc-matrix-cli-");
afterAll(() => {
  space.dispose();
  disposeMatrixFiles();
});

const HOSTILE = policy({
  credentials: ["a", "b"],
  proxies: [
    {
      id: "p",
      credentials: ["a"],
      default: "deny",
      rules: [
        {
          id: "r",
          effect: "allow",
          path: "^/(x|y)`</td><script>alert\\(1\\)</script>",
          headers: [{ name: "x-`|`", value: "a|b" }],
          query: [{ name: "line\nbreak & <i>", presence: "absent" }],
        },
      ],
    },
    { id: "q", credentials: ["a", "b"], default: "allow" },
  ],
});

/** Cells of a GFM table row: split on pipes no backslash escapes. */
const cellsOf = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);

describe("markdown", () => {
  it("keeps one row per credential and one cell per proxy, whatever the patterns hold", async () => {
    const text = renderMarkdown(await matrixOf(HOSTILE));
    const rows = text.split("\n").filter((line) => line.startsWith("|"));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(cellsOf(row)).toHaveLength(3);
    const [, , a, b] = rows;
    expect(a).toContain("``^/(x\\|y)`</td><script>alert\\(1\\)</script>``");
    expect(a).toContain("header `` x-`\\|` `` matches `a\\|b`");
    expect(a).toContain("no query `line break & <i>`");
    expect(cellsOf(b!).map((cell) => cell.trim())).toEqual(["`b`", "—", "any method any path"]);
  });

  it("the examples: accepted credentials, per-credential rules and exceptions", () => {
    const result = runCli(["matrix", "examples/access-control"], { cwd: ROOT });
    expect(result.status).toBe(0);
    const rows = Object.fromEntries(
      result.stdout
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((line) => {
          const [name, ...cells] = cellsOf(line).map((cell) => cell.trim());
          return [name, cells];
        }),
    );
    expect(result.stdout).toContain("| credential \\ proxy | `payments` | `analytics` | `staging` |");
    // key_4a2f: readwrite on payments (with the target's card-details exception), read on analytics, not on staging.
    expect(rows["`key_4a2f`"]).toEqual([
      "GET `^/api/users(/.*)?$` (`read-users`); except when query `include` matches `(^\\|,)card_details(,\\|$)` (`no-card-details`)<br>POST `^/api/events(/.*)?$` (`write-events`); except when query `include` matches `(^\\|,)card_details(,\\|$)` (`no-card-details`)",
      "GET `^/api/users(/.*)?$` (`read-users`)",
      "—",
    ]);
    expect(rows["`key_9c1e`"]![1]).toBe(
      "GET `^/api/users(/.*)?$` (`read-users`)<br>any method `^/api/admin(/.*)?$` (`admin-api`)",
    );
    expect(rows["`user-sso`"]).toEqual([
      "—",
      "GET `^/api/users(/.*)?$` if claim `sub` matches `^user@email\\.com$` (`sso-read-users`)",
      "—",
    ]);
  });
});

describe("html", () => {
  it("is one standalone page with every user value escaped", async () => {
    const page = renderHtml(await matrixOf(HOSTILE));
    expect(page.startsWith("<!doctype html>\n")).toBe(true);
    expect(page).not.toMatch(/<script|<i>|<\/td><script/);
    expect(page).not.toMatch(/\b(src|href)=|@import|url\(/);
    expect(page).toContain("<code>^/(x|y)`&lt;/td&gt;&lt;script&gt;alert\\(1\\)&lt;/script&gt;</code>");
    expect(page).toContain("<code>line\nbreak &amp; &lt;i&gt;</code>");
    expect(page).toContain('<td class="none" title="credential not accepted">—</td>');
    expect(page.match(/<tr>/g)).toHaveLength(3);
  });

  it("through the CLI", () => {
    const result = runCli(["matrix", "examples/third-party-payments", "--format", "html"], { cwd: ROOT });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('<th scope="row"><code>support-dashboard</code></th>');
    expect(result.stdout).toContain("(<code>no-payment-methods</code>)");
    expect(result.stdout.trimEnd().endsWith("</html>")).toBe(true);
  });
});

describe("json and the CLI", () => {
  it("json: every cell with structured entries and their text", () => {
    const result = runCli(["matrix", "examples/json-policy", "--format", "json"], { cwd: ROOT });
    expect(result.status).toBe(0);
    const matrix = JSON.parse(result.stdout);
    expect(matrix.proxies).toEqual(["orders"]);
    expect(matrix.credentials).toEqual(["reporting", "checkout"]);
    const checkout = matrix.cells.find((cell: { credential: string }) => cell.credential === "checkout");
    expect(checkout.accepted).toBe(true);
    expect(checkout.entries[1]).toMatchObject({
      methods: ["POST"],
      paths: [{ source: "^/orders$", ignoreCase: false }],
      grantedBy: [{ scope: "proxy", entity: "orders", rule: "create-orders" }],
    });
    expect(checkout.entries[1].except.map((item: { rule: { rule: string } }) => item.rule.rule)).toEqual([
      "no-debug",
      "tenant-header",
      "small-orders-only",
    ]);
    expect(checkout.entries[1].text).toContain("except when no body `$.amount` matching");
  });

  it("reads a bundle the same as its policies", () => {
    const bundle = join(space.root, "bundle");
    expect(runCli(["build", "examples/json-policy", "--out", bundle], { cwd: ROOT }).status).toBe(0);
    const fromPolicies = runCli(["matrix", "examples/json-policy", "--format", "json"], { cwd: ROOT });
    expect(runCli(["matrix", bundle, "--format", "json"]).stdout).toBe(fromPolicies.stdout);
    expect(runCli(["matrix", "--bundle", bundle]).stdout).toContain("| `reporting` |");
  });

  it("usage errors and policy errors exit 1", () => {
    const bad = runCli(["matrix", "examples/json-policy", "--format", "csv"], { cwd: ROOT });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("rrc: --format must be markdown, html or json\n");
    expect(runCli(["matrix"]).status).toBe(1);
    const broken = space.write("broken.json", { proxies: [{ id: "x" }] });
    const result = runCli(["matrix", broken]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error[RRC2003]");
  });
});
