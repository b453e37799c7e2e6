// The matrix's syntactic reading of the four scopes: defaults, credentials restrictions,
// intersections, certain denials and exceptions. It must never show access that cannot be.
import { afterAll, describe, expect, it } from "vitest";
import type { MatrixCell } from "../../compiler/matrix/access.ts";
import { entryPhrase, plainText } from "../../compiler/matrix/describe.ts";
import { cell, disposeMatrixFiles, matrixOf, policy } from "./support.ts";

afterAll(disposeMatrixFiles);

const texts = (found: MatrixCell) => found.entries.map((entry) => plainText(entryPhrase(entry)));

describe("access matrix", () => {
  it("default allow everywhere and no rules: any method, any path", async () => {
    const matrix = await matrixOf(
      policy({ credentials: ["a"], proxies: [{ id: "p", credentials: ["a"], default: "allow" }] }),
    );
    expect(cell(matrix, "p", "a")).toEqual({
      proxy: "p",
      credential: "a",
      accepted: true,
      entries: [{ methods: null, paths: [], conditions: [], grantedBy: [], except: [] }],
      truncated: false,
    });
    expect(texts(cell(matrix, "p", "a"))).toEqual(["any method any path"]);
  });

  it("a credential the proxy does not accept has no access, whatever the defaults", async () => {
    const matrix = await matrixOf(
      policy({ credentials: ["a", "b"], proxies: [{ id: "p", credentials: ["a"], default: "allow" }] }),
    );
    expect(cell(matrix, "p", "b")).toMatchObject({ accepted: false, entries: [] });
    expect(matrix.credentials).toEqual(["a", "b"]);
    expect(matrix.cells.map((item) => `${item.credential}@${item.proxy}`)).toEqual(["a@p", "b@p"]);
  });

  it("default deny with no allow rule for the pair: nothing", async () => {
    const matrix = await matrixOf(
      policy({
        credentials: ["a", "b"],
        proxies: [
          {
            id: "p",
            credentials: ["a", "b"],
            default: "deny",
            rules: [{ id: "only-a", effect: "allow", path: "^/x", credentials: ["a"] }],
          },
        ],
      }),
    );
    expect(texts(cell(matrix, "p", "a"))).toEqual(["any method `^/x` (`only-a`)"]);
    expect(cell(matrix, "p", "b")).toMatchObject({ accepted: true, entries: [] });
  });

  it("a default-deny scope other than the proxy narrows what the proxy allows", async () => {
    const matrix = await matrixOf(
      policy({
        credentials: [
          { id: "a", default: "deny", rules: [{ id: "a-reads", effect: "allow", methods: ["GET", "HEAD"] }] },
          "b",
        ],
        target: { default: "deny", rules: [{ id: "t-v1", effect: "allow", path: "^/v1/" }] },
        proxies: [
          {
            id: "p",
            credentials: ["a", "b"],
            default: "deny",
            rules: [
              { id: "read", effect: "allow", methods: ["GET"], path: "^/v1/items" },
              { id: "write", effect: "allow", methods: ["POST"], path: "^/v1/items$" },
              { id: "legacy", effect: "allow", path: "^/v0/" },
            ],
          },
        ],
      }),
    );
    // `legacy` cannot meet the target's `^/v1/`, and `a` may not POST.
    expect(texts(cell(matrix, "p", "a"))).toEqual([
      "GET `^/v1/items` and `^/v1/` (`read`, `t-v1`, `a-reads`)",
    ]);
    expect(texts(cell(matrix, "p", "b"))).toEqual([
      "GET `^/v1/items` and `^/v1/` (`read`, `t-v1`)",
      "POST `^/v1/items$` and `^/v1/` (`write`, `t-v1`)",
    ]);
  });

  it("denies: certain ones remove or narrow entries, others are exceptions", async () => {
    const matrix = await matrixOf(
      policy({
        credentials: ["a", "b"],
        target: {
          rules: [
            { id: "no-delete", effect: "deny", methods: ["DELETE"] },
            { id: "no-admin", effect: "deny", path: "^/admin" },
          ],
        },
        proxies: [
          {
            id: "p",
            credentials: ["a", "b"],
            default: "deny",
            rules: [
              { id: "rw", effect: "allow", methods: ["GET", "DELETE"], path: "^/items" },
              { id: "admin", effect: "allow", methods: ["GET"], path: "^/admin" },
              {
                id: "tenant",
                effect: "deny",
                headers: [{ name: "x-tenant", presence: "absent" }],
                credentials: ["b"],
              },
            ],
          },
          { id: "open", credentials: ["a"], default: "allow" },
        ],
      }),
    );
    // DELETE is cut from `rw`; `admin` is denied outright; `no-admin` cannot meet `^/items`.
    expect(texts(cell(matrix, "p", "a"))).toEqual(["GET `^/items` (`rw`)"]);
    expect(texts(cell(matrix, "p", "b"))).toEqual([
      "GET `^/items` (`rw`); except when no header `x-tenant` (`tenant`)",
    ]);
    expect(texts(cell(matrix, "open", "a"))).toEqual([
      "any method any path; except DELETE (`no-delete`); except `^/admin` (`no-admin`)",
    ]);
  });

  it("a deny without conditions on every path and method leaves nothing", async () => {
    const matrix = await matrixOf(
      policy({
        credentials: ["a"],
        proxies: [
          { id: "p", credentials: ["a"], default: "allow", rules: [{ id: "closed", effect: "deny" }] },
        ],
      }),
    );
    expect(cell(matrix, "p", "a")).toMatchObject({ accepted: true, entries: [] });
  });

  it("token checks: credentials without claims never meet a claim", async () => {
    const matrix = await matrixOf(
      policy({
        credentials: ["key", { id: "sso", auth: { type: "jwt", tokens: [`sha256:${"f".repeat(64)}`] } }],
        proxies: [
          {
            id: "p",
            credentials: ["key", "sso"],
            default: "deny",
            rules: [
              { id: "admins", effect: "allow", token: [{ claim: "role", value: "^admin$" }] },
              { id: "reads", effect: "allow", methods: ["GET"] },
              { id: "need-sub", effect: "deny", token: [{ claim: "sub", presence: "absent" }] },
            ],
          },
        ],
      }),
    );
    // For `key` there are no claims: `admins` never matches and `need-sub` always does.
    expect(cell(matrix, "p", "key")).toMatchObject({ entries: [] });
    expect(texts(cell(matrix, "p", "sso"))).toEqual([
      "any method any path if claim `role` matches `^admin$` (`admins`); except when no claim `sub` (`need-sub`)",
      "GET any path (`reads`); except when no claim `sub` (`need-sub`)",
    ]);
  });

  it("case-insensitive patterns and field checks are described", async () => {
    const matrix = await matrixOf(
      policy({
        credentials: ["a"],
        proxies: [
          {
            id: "p",
            credentials: ["a"],
            default: "deny",
            rules: [
              {
                id: "r",
                effect: "allow",
                methods: ["POST"],
                path: "^/Orders$",
                flags: "i",
                query: [{ name: "dry", value: "^1$", presence: "absent" }],
                body: [{ path: "$.amount" }],
              },
            ],
          },
        ],
      }),
    );
    expect(texts(cell(matrix, "p", "a"))).toEqual([
      "POST `^/Orders$` (case-insensitive) if no query `dry` matching `^1$` (case-insensitive) and body `$.amount` present (`r`)",
    ]);
  });
});
