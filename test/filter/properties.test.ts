// Properties over generated documents (fast-check): what each operation guarantees whatever the input.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Filter } from "../../compiler/authoring/types.ts";
import { deepFreeze } from "../../runtime/decision/deep-freeze.ts";
import { luhn } from "../../runtime/filter/detectors.ts";
import { parseJsonPath, selectJsonPath } from "../../runtime/request/json-path.ts";
import { objectOf, run, withCheckDigit } from "./support.ts";

const RUNS = { numRuns: 1000 };

const KEYS = ["secret", "a", "b", "id", "0", "__proto__", "constructor"];

/** JSON documents over a small key set (so that paths hit), with `__proto__` keys as own properties. */
function documents(leaf: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("tree"), { maxLength: 4 }),
    object: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie("tree")), {
        selector: ([key]) => key,
        maxLength: 5,
      })
      .map(objectOf),
  }));
  return tree;
}

const scalars = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));

function forEachNode(
  node: unknown,
  visit: (node: unknown, key: string | null) => void,
  key: string | null = null,
) {
  visit(node, key);
  if (Array.isArray(node)) {
    for (const child of node) forEachNode(child, visit);
  } else if (typeof node === "object" && node !== null) {
    for (const [k, child] of Object.entries(node)) forEachNode(child, visit, k);
  }
}

function scalarsOf(node: unknown): unknown[] {
  const out: unknown[] = [];
  forEachNode(node, (n) => {
    if (typeof n !== "object" || n === null) out.push(n);
  });
  return out;
}

/** Replaces every scalar with a unique tag, so that a leaf of the output says where it came from. */
function tagLeaves(node: unknown, next = { n: 0 }): unknown {
  if (Array.isArray(node)) return node.map((child) => tagLeaves(child, next));
  if (typeof node === "object" && node !== null) {
    return objectOf(Object.entries(node).map(([k, child]) => [k, tagLeaves(child, next)] as const));
  }
  return `#${next.n++}`;
}

function select(document: unknown, path: string): unknown[] {
  const parsed = parseJsonPath(path);
  if (!parsed.ok) throw new Error(parsed.message);
  const out: unknown[] = [];
  selectJsonPath(document, parsed.segments, out);
  return out;
}

/** The spans of whole digit groups (single space or dash between groups) with exactly 16 digits. */
function sixteenDigitRuns(text: string): string[] {
  const found: string[] = [];
  for (const run of text.match(/[0-9]+(?:[ -][0-9]+)*/g) ?? []) {
    const groups = run.split(/[ -]/);
    for (let first = 0; first < groups.length; first++) {
      let digits = "";
      for (let last = first; last < groups.length && digits.length < 16; last++) digits += groups[last];
      if (digits.length === 16) found.push(digits);
    }
  }
  return found;
}

const cards = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 }),
    fc.constantFrom("", " ", "-"),
  )
  .map(([digits, separator]) => {
    const card = withCheckDigit(digits.join(""));
    return separator === "" ? card : (card.match(/.{4}/g) ?? []).join(separator);
  });

const cardText = fc
  .array(
    fc.oneof(
      cards,
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.constantFrom(" ", "-", "  ", "a", "x@y.io "),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

describe("properties", () => {
  it("destroy $..secret leaves no key `secret` anywhere, and the input intact", () => {
    fc.assert(
      fc.property(documents(scalars), (document) => {
        const before = JSON.stringify(document);
        const output = run({ op: "destroy", paths: ["$..secret"] }, deepFreeze(document));
        forEachNode(output, (_, key) => expect(key).not.toBe("secret"));
        expect(JSON.stringify(document)).toBe(before);
      }),
      RUNS,
    );
  });

  const PATHS = [
    "$.a",
    "$.a.b",
    "$..id",
    "$.b[*].a",
    "$[0]",
    "$.*.secret",
    "$['0']",
    "$..__proto__",
    "$[1].b",
  ];

  it("retain keeps exactly the leaves under the selected nodes", () => {
    fc.assert(
      fc.property(
        documents(fc.constant(0)).map((document) => tagLeaves(document)),
        fc.uniqueArray(fc.constantFrom(...PATHS), { minLength: 1, maxLength: 4 }),
        (document, paths) => {
          const selected = new Set(paths.flatMap((path) => select(document, path).flatMap(scalarsOf)));
          const output = run({ op: "retain", paths }, deepFreeze(document));
          // Tags are strings; a scalar root with nothing selected becomes null, which is no leaf.
          const kept = scalarsOf(output).filter((leaf) => leaf !== null);
          for (const leaf of kept) expect(selected.has(leaf)).toBe(true);
          expect(new Set(kept)).toStrictEqual(selected);
        },
      ),
      RUNS,
    );
  });

  it("mask credit-card leaves no Luhn-valid 16-digit run in any string", () => {
    const filter: Filter = { op: "mask", detect: ["credit-card"] };
    fc.assert(
      fc.property(documents(cardText), (document) => {
        const output = run(filter, deepFreeze(document));
        forEachNode(output, (node) => {
          if (typeof node !== "string") return;
          for (const digits of sixteenDigitRuns(node)) expect(luhn(digits, 0, digits.length)).toBe(false);
        });
      }),
      RUNS,
    );
  });

  it("mask credit-card finds every generated card", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }), cards, fc.string({ maxLength: 5 }), (before, card, after) => {
        fc.pre(!/[0-9 -]$/.test(before) && !/^[0-9 -]/.test(after));
        expect(run({ op: "mask", detect: ["credit-card"] }, before + card + after)).toBe(
          `${before}[REDACTED]${after}`,
        );
      }),
      RUNS,
    );
  });
});
