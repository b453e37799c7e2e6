// Every example builds, and its `tests/cases.json` decisions hold three ways.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Decision, DecisionRequest } from "../../runtime/decision/types.ts";
import { buildThreeWays, type ThreeWays } from "../support/three-ways.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");

const examples = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(EXAMPLES, entry.name, "tests", "cases.json")))
  .map((entry) => ({ name: entry.name, dir: join(EXAMPLES, entry.name) }));

const open: ThreeWays[] = [];
afterAll(() => {
  for (const built of open) built.dispose();
});

it("has examples with test cases", () => {
  expect(examples.length).toBeGreaterThanOrEqual(3);
});

describe.each(examples)("example $name", ({ dir }) => {
  const cases = JSON.parse(readFileSync(join(dir, "tests", "cases.json"), "utf8")) as {
    name: string;
    request: DecisionRequest;
    expect: Decision;
  }[];
  let built: ThreeWays;
  it("builds", async () => {
    built = await buildThreeWays([dir]);
    open.push(built);
  });
  it.each(cases)("$name", ({ request, expect: expected }) => {
    expect(built, "the example failed to build").toBeDefined();
    expect(built.decide(request)).toEqual(expected);
  });
});
