// Random policies built to be pruned: few conditions, overlapping path patterns, ranks and
// scopes that make rules cover each other; and requests that walk those paths.
import fc from "fast-check";
import type { HttpMethod, PolicyDocument, Rule } from "../../compiler/authoring/types.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";

const PATHS = [
  "^/a",
  "^/a/",
  "^/a/b",
  "^/a/b$",
  "^/a(/.*)?$",
  "^/b",
  "/b$",
  "b",
  "^/[ab]/",
  "^/a/[0-9]+$",
  ".*",
  "^/A",
  "^/c",
];
const METHODS: HttpMethod[] = ["GET", "POST", "DELETE"];
const CREDENTIALS = ["c0", "c1"];

function ruleArb(index: number): fc.Arbitrary<Rule> {
  return fc
    .record(
      {
        effect: fc.constantFrom<"allow" | "deny">("allow", "deny", "deny"),
        priority: fc.constantFrom(100, 500, 500, 900),
        methods: fc.subarray(METHODS, { minLength: 1 }),
        path: fc.constantFrom(...PATHS),
        headers: fc.constant([{ name: "x-a", value: "^1$" }]),
        body: fc.constant([{ path: "$.a", value: "^1$" }]),
        credentials: fc.subarray(CREDENTIALS, { minLength: 1 }),
        flags: fc.constant("i" as const),
      },
      { requiredKeys: ["effect"] },
    )
    .chain((rule) =>
      // Conditions are rare, so that most rules can cover and be covered.
      fc.integer({ min: 0, max: 9 }).map((roll) => {
        const { headers, body, ...plain } = rule;
        return {
          id: `r${index}`,
          ...plain,
          ...(roll === 0 ? { headers } : roll === 1 ? { body } : {}),
        } as Rule;
      }),
    );
}

const rules = fc
  .integer({ min: 0, max: 7 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => ruleArb(index))));
const scopeDefault = fc.constantFrom<"allow" | "deny" | undefined>(undefined, "allow", "deny");

export function prunablePolicyArb(): fc.Arbitrary<PolicyDocument> {
  return fc
    .record({
      proxy: rules,
      proxyDefault: fc.constantFrom<"allow" | "deny">("allow", "deny"),
      target: rules,
      targetDefault: scopeDefault,
      credentials: fc.tuple(rules, rules),
      credentialDefaults: fc.tuple(scopeDefault, scopeDefault),
    })
    .map(
      (shape) =>
        JSON.parse(
          JSON.stringify({
            targets: [
              { id: "t", url: "http://127.0.0.1:9", default: shape.targetDefault, rules: shape.target },
            ],
            targetCredentials: [{ id: "tc", target: "t", auth: { type: "none" } }],
            proxyCredentials: CREDENTIALS.map((id, index) => ({
              id,
              auth: { type: "apiKey", keys: [`sha256:${String(index).repeat(64)}`] },
              default: shape.credentialDefaults[index],
              rules: shape.credentials[index],
            })),
            proxies: [
              {
                id: "p",
                target: "t",
                targetCredential: "tc",
                credentials: CREDENTIALS,
                default: shape.proxyDefault,
                rules: shape.proxy,
                bodyLimit: 64,
              },
            ],
          }),
        ) as PolicyDocument,
    );
}

const SEGMENTS = ["a", "b", "c", "A", "B", "1", "22", "x", ""];

export function prunableRequestArb(): fc.Arbitrary<DecisionRequest> {
  return fc.record({
    proxy: fc.constant("p"),
    credential: fc.constantFrom(...CREDENTIALS),
    method: fc.constantFrom("GET", "POST", "DELETE", "PURGE"),
    path: fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 }).map((parts) => `/${parts.join("/")}`),
    headers: fc.constantFrom<Record<string, string>>({}, { "x-a": "1" }, { "x-a": "2" }),
    query: fc.constant<Record<string, string>>({}),
    body: fc.constantFrom<unknown>(undefined, { a: "1" }, "{", { a: 2 }),
  });
}
