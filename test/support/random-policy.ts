// fast-check generators for random policies and random requests over a small shared
// vocabulary, so rules and requests actually meet (matches, misses, and refusals).
import fc from "fast-check";
import type { HttpMethod, PolicyDocument, Rule } from "../../compiler/authoring/types.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";

const PATH_REGEXES = [
  "^/a",
  "^/api/users(/.*)?$",
  "admin",
  "^/[ab]+$",
  "b$",
  "^/(a|b)/",
  ".*",
  "^/API",
  "/x/?$",
  "é",
];
const HEADER_NAMES = ["x-a", "x-b", "X-Tenant"];
const QUERY_NAMES = ["q", "Q", "debug"];
const VALUE_REGEXES = ["^1$", "^[a-c]+$", "2", "^$", "^null$", "true", "^A"];
const BODY_PATHS = ["$.a", "$.b[*]", "$..c", "$.a.b", "$['x y']", "$[0]", "$.*"];
const CLAIMS = ["sub", "org.roles", "n"];
const METHODS: HttpMethod[] = ["GET", "POST", "DELETE"];
const PRIORITIES = [0, 100, 500, 500, 900, 1000];

const presence = fc.constantFrom<"present" | "absent" | undefined>(undefined, "present", "absent");
const maybeValue = fc.option(fc.constantFrom(...VALUE_REGEXES), { nil: undefined });

function ruleArb(index: number, credentialIds: readonly string[]): fc.Arbitrary<Rule> {
  return fc
    .record(
      {
        effect: fc.constantFrom<"allow" | "deny">("allow", "deny"),
        priority: fc.constantFrom(...PRIORITIES),
        methods: fc.subarray(METHODS, { minLength: 1 }),
        path: fc.constantFrom(...PATH_REGEXES),
        headers: fc.array(
          fc.record({ name: fc.constantFrom(...HEADER_NAMES), value: maybeValue, presence }),
          {
            maxLength: 2,
          },
        ),
        query: fc.array(fc.record({ name: fc.constantFrom(...QUERY_NAMES), value: maybeValue, presence }), {
          maxLength: 1,
        }),
        body: fc.array(fc.record({ path: fc.constantFrom(...BODY_PATHS), value: maybeValue, presence }), {
          maxLength: 1,
        }),
        token: fc.array(fc.record({ claim: fc.constantFrom(...CLAIMS), value: maybeValue, presence }), {
          maxLength: 1,
        }),
        credentials: fc.subarray([...credentialIds], { minLength: 1 }),
        flags: fc.constantFrom<"" | "i">("", "i"),
      },
      { requiredKeys: ["effect"] },
    )
    .map((rule) => ({ id: `r${index}`, ...clean(rule) }) as Rule);
}

/** Drops undefined fields so the document is what a JSON author would write. */
function clean<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function rulesArb(credentialIds: readonly string[]): fc.Arbitrary<Rule[]> {
  return fc
    .integer({ min: 0, max: 6 })
    .chain((count) =>
      fc.tuple(...Array.from({ length: count }, (_, index) => ruleArb(index, credentialIds))),
    );
}

const scopeDefault = fc.constantFrom<"allow" | "deny" | undefined>(undefined, "allow", "deny");

export function policyArb(): fc.Arbitrary<PolicyDocument> {
  const credentialIds = ["c0", "c1", "c2"];
  return fc
    .record({
      targetRules: rulesArb(credentialIds),
      targetDefault: scopeDefault,
      upstreamRules: rulesArb(credentialIds),
      upstreamDefault: scopeDefault,
      credentials: fc.tuple(
        ...credentialIds.map(() => fc.record({ rules: rulesArb(credentialIds), default: scopeDefault })),
      ),
      proxies: fc.tuple(
        ...["p0", "p1"].map(() =>
          fc.record({
            rules: rulesArb(credentialIds),
            default: fc.constantFrom<"allow" | "deny">("allow", "deny"),
            accepts: fc.subarray(credentialIds, { minLength: 1 }),
            unsafe: fc.boolean(),
          }),
        ),
      ),
    })
    .map((shape) =>
      clean({
        targets: [
          { id: "t", url: "http://127.0.0.1:9", default: shape.targetDefault, rules: shape.targetRules },
        ],
        targetCredentials: [
          {
            id: "tc",
            target: "t",
            auth: { type: "none" },
            default: shape.upstreamDefault,
            rules: shape.upstreamRules,
          },
        ],
        proxyCredentials: credentialIds.map((id, index) => ({
          id,
          auth: { type: "apiKey", keys: [`sha256:${String(index).repeat(64)}`] },
          default: shape.credentials[index]!.default,
          rules: shape.credentials[index]!.rules,
        })),
        proxies: shape.proxies.map((proxy, index) => ({
          id: `p${index}`,
          target: "t",
          targetCredential: "tc",
          credentials: proxy.accepts,
          default: proxy.default,
          rules: proxy.rules,
          bodyLimit: 64,
          ...(proxy.unsafe ? { unsafe: { pathParameters: true, doubleEncoding: true } } : {}),
        })),
      } as PolicyDocument),
    );
}

const SEGMENTS = [
  "a",
  "b",
  "api",
  "admin",
  "users",
  "x",
  "API",
  ".",
  "..",
  "",
  "%61",
  "%2F",
  "é",
  "a;b",
  "%2561",
];
const FIELD_VALUES = ["1", "abc", "2", "", "A", "true", "null", "ab"];

const fieldValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_VALUES) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...FIELD_VALUES), { minLength: 1, maxLength: 2 }) },
);

const jsonScalar = fc.constantFrom<unknown>(1, 12, "abc", "A", true, null, "2", 1.5);
const jsonBody: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    jsonScalar,
    fc.array(tie("node"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "x y"), tie("node"), { maxKeys: 3 }),
  ),
})).node;

export function requestArb(): fc.Arbitrary<DecisionRequest> {
  return fc.record(
    {
      proxy: fc.constantFrom("p0", "p1", "p0", "p1", "nope"),
      credential: fc.constantFrom("c0", "c1", "c2", "c9"),
      method: fc.constantFrom("GET", "POST", "DELETE", "GET", "POST", "PUT", "get"),
      path: fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 4 }).map((parts) => `/${parts.join("/")}`),
      headers: fc.dictionary(fc.constantFrom("x-a", "X-A", "x-b", "x-tenant", "other"), fieldValue, {
        maxKeys: 3,
      }),
      query: fc.dictionary(fc.constantFrom("q", "Q", "debug", "z"), fieldValue, { maxKeys: 2 }),
      body: fc.oneof(
        fc.constant(undefined),
        jsonBody,
        jsonBody.map((value) => JSON.stringify(value) ?? "null"),
        fc.constantFrom("{", '{"a":1,"a":2}', "", '{"a":"' + "x".repeat(80) + '"}'),
      ),
      claims: fc.option(
        fc.record(
          {
            sub: fc.constantFrom(...FIELD_VALUES),
            org: fc.record({ roles: fc.array(jsonScalar) }),
            n: jsonScalar,
          },
          {
            requiredKeys: [],
          },
        ),
        { nil: undefined },
      ),
    },
    { requiredKeys: ["proxy", "credential", "method", "path"] },
  ) as fc.Arbitrary<DecisionRequest>;
}
