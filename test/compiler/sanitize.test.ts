// Hostile ids and strings pushed through emit must stay inert data: quotes, backticks,
// `${`, `*/`, U+2028, `</script>`, `__proto__`. A canary global would be set by any
// string that escaped into code.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runArtifact } from "../../compiler/artifact/index.ts";
import { runBundle } from "../../compiler/bundle/index.ts";
import { type Code, dataLiteral, identifier, js, stringLiteral } from "../../compiler/emit/code.ts";
import { MODULE_FORMAT, runEmit } from "../../compiler/emit/index.ts";
import type { FlatPolicy, IrRule, Span } from "../../compiler/ir/index.ts";
import { importBundle, instantiateModule } from "../../runtime/bundle/load.ts";
import { buildThreeWays } from "../support/three-ways.ts";

const CANARY = "__rrcSanitizeCanary";
const HOSTILE = [
  `"; globalThis.${CANARY} = 1; //`,
  `'); globalThis.${CANARY} = 2; ('`,
  `\`; globalThis.${CANARY} = 3; \``,
  `\${globalThis.${CANARY} = 4}`,
  `*/ globalThis.${CANARY} = 5; /*`,
  `\u2028globalThis.${CANARY} = 6;\u2029`,
  `</script><script>globalThis.${CANARY} = 7</script>`,
  "__proto__",
  "constructor",
  "\\u0022; globalThis.x = 8",
];

const canary = () => (globalThis as Record<string, unknown>)[CANARY];
const workspace = mkdtempSync(join(tmpdir(), "rrc-sanitize-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const span: Span = { file: "hostile.json", line: 1, column: 1, offset: 0, length: 0 };

function hostileRule(id: string, index: number, text: string): IrRule {
  return {
    id,
    effect: index % 2 === 0 ? "deny" : "allow",
    priority: 500,
    methods: null,
    path: { source: `^/h${index}$`, ignoreCase: false, span },
    headers: [
      {
        key: "x-h",
        presence: "present",
        pattern: { source: `^\\Q${text}\\E$`, ignoreCase: false, span },
        span,
      },
    ],
    query: [{ key: text, presence: "present", pattern: null, span }],
    body: [],
    token: [{ key: text, presence: "absent", pattern: null, span }],
    credentials: null,
    notes: text,
    scope: "proxy",
    entity: text,
    declIndex: index,
    span: { ...span, file: text },
  };
}

describe("emit with hostile ids (validation bypassed)", () => {
  it("keeps every hostile string as data and decides with it verbatim", async () => {
    const rules = HOSTILE.map((text, index) => hostileRule(text, index, text));
    const flat: FlatPolicy = {
      scopes: [
        { kind: "proxy", entity: HOSTILE[0]!, default: "deny", rules },
        { kind: "target", entity: HOSTILE[1]!, default: "allow", rules: [] },
        { kind: "proxyCredential", entity: HOSTILE[7]!, default: "allow", rules: [] },
        { kind: "targetCredential", entity: HOSTILE[2]!, default: "allow", rules: [] },
      ],
      proxies: [
        {
          id: HOSTILE[3]!,
          target: HOSTILE[1]!,
          targetCredential: HOSTILE[2]!,
          options: { allowPathParameters: false, allowDoubleEncoding: false, bodyLimit: 1024 },
          pairs: [
            {
              credential: HOSTILE[7]!,
              scopes: [0, 1, 2, 3],
              inspectedHeaders: ["x-h"],
              inspectedQuery: HOSTILE,
            },
          ],
        },
      ],
    };
    const emitted = runEmit({ flat, revision: HOSTILE[4]! });
    const bundle = runArtifact({
      moduleCode: await runBundle(emitted.source),
      tables: emitted.tables,
      document: { proxies: [] },
      flat,
      revision: HOSTILE[4]!,
      compilerVersion: "0.0.0",
      moduleFormat: MODULE_FORMAT,
      stats: { rulesIn: rules.length, rulesPruned: 0, regexSets: emitted.regexSets },
      pruned: [],
    });
    const module = await importBundle(bundle);
    expect(canary()).toBeUndefined();
    expect(module.revision).toBe(HOSTILE[4]);
    expect(module.policy.flat.scopes[0]!.rules.map((rule) => rule.id)).toEqual(HOSTILE);
    const decider = instantiateModule(module);
    HOSTILE.forEach((text, index) => {
      const decision = decider.decide({
        proxy: HOSTILE[3]!,
        credential: HOSTILE[7]!,
        method: "GET",
        path: `/h${index}`,
        headers: { "x-h": text },
        query: { [text]: "1" },
      });
      expect(decision.rule).toBe(text);
      expect(decision.verdict).toBe(index % 2 === 0 ? "deny" : "allow");
    });
    expect(canary()).toBeUndefined();
    expect(Object.getPrototypeOf(module.policy.flat)).toBe(Object.prototype);
  });
});

describe("full pipeline with hostile strings in allowed places", () => {
  it("builds, loads and matches them literally", async () => {
    const file = join(workspace, "policy.json");
    const rules = HOSTILE.map((text, index) => ({
      id: `hostile-${index}`,
      effect: "deny",
      path: `^/h${index}$`,
      query: [{ name: text }],
      body: [{ path: "$['__proto__']", presence: "absent" }],
      token: [{ claim: "__proto__", presence: "absent" }],
      notes: text,
    }));
    writeFileSync(
      file,
      JSON.stringify({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile URL on purpose
        targets: [{ id: "t", url: "http://127.0.0.1:9/`${x}`/*/" }],
        targetCredentials: [{ id: "tc", target: "t", auth: { type: "none" } }],
        proxyCredentials: [
          { id: "c", auth: { type: "apiKey", keys: [`sha256:${"a".repeat(64)}`], header: "x-`k'" } },
        ],
        proxies: [
          { id: "p", target: "t", targetCredential: "tc", credentials: ["c"], default: "allow", rules },
        ],
      }),
    );
    const built = await buildThreeWays([file]);
    try {
      HOSTILE.forEach((text, index) => {
        const request = {
          proxy: "p",
          credential: "c",
          method: "GET",
          path: `/h${index}`,
          query: { [text]: "1" },
        };
        expect(built.decide(request)).toMatchObject({ verdict: "deny", rule: `hostile-${index}` });
        expect(built.decide({ ...request, query: {} })).toMatchObject({ verdict: "allow" });
      });
      expect(canary()).toBeUndefined();
    } finally {
      built.dispose();
    }
  });
});

describe("code builder", () => {
  it("refuses identifiers that are not plain names", () => {
    for (const name of ["a b", "1x", "class", "x;y", "", "__proto__ =", "a\u2028"]) {
      expect(() => identifier(name)).toThrow();
    }
    expect(identifier("decide").text).toBe("decide");
  });
  it("interpolates only Code fragments", () => {
    const raw = "x; globalThis.bad = 1" as unknown as Code;
    expect(() => js`const a = ${raw};`).toThrow();
  });
  it("escapes line separators and keeps __proto__ an own key", () => {
    expect(stringLiteral("\u2028\u2029").text).toBe('"\\u2028\\u2029"');
    const hostile = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const value = new Function(`return ${dataLiteral(hostile).text}`)() as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
    expect(value.polluted).toBeUndefined();
  });
});
