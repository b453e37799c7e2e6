// schemas/policy.schema.json must describe exactly the PolicyDocument type of
// compiler/authoring/types.ts: it compiles under ajv strict mode, accepts a document using
// every feature, rejects each invalid document for the expected reason, and its property
// sets agree with the TypeScript declarations (so drift between the two is caught).
import { readFileSync } from "node:fs";
import Ajv2020Module from "ajv/dist/2020.js";
import ts from "typescript";
import { describe, expect, it } from "vitest";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  enum?: string[];
  const?: string;
  items?: SchemaNode;
  $ref?: string;
  allOf?: { if: SchemaNode; then: SchemaNode }[];
}

interface Schema extends SchemaNode {
  $schema: string;
  $id: string;
  $defs: Record<string, SchemaNode>;
}

const schemaUrl = new URL("../../schemas/policy.schema.json", import.meta.url);
const typesUrl = new URL("../../compiler/authoring/types.ts", import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, "utf8")) as Schema;

// ajv is CommonJS: under NodeNext the default import is typed as the whole module, and at
// runtime it is the class itself, which also carries itself as `.default`.
const AjvClass = Ajv2020Module.default;

function compile() {
  const messages: string[] = [];
  const logger = {
    log: (...args: unknown[]) => messages.push(`log: ${args.join(" ")}`),
    warn: (...args: unknown[]) => messages.push(`warn: ${args.join(" ")}`),
    error: (...args: unknown[]) => messages.push(`error: ${args.join(" ")}`),
  };
  const ajv = new AjvClass({ allErrors: true, strict: true, logger });
  return { validate: ajv.compile(schema), messages };
}

const { validate, messages: compileMessages } = compile();

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

/** A document that uses every feature the schema describes. */
const fullDocument: JsonObject = {
  $schema: "../schemas/policy.schema.json",
  targets: [
    {
      id: "stripe",
      url: "https://api.stripe.com",
      default: "allow",
      rules: [
        {
          id: "no-admin",
          effect: "deny",
          priority: 900,
          methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"],
          path: "^/api/admin(/.*)?$",
          headers: [
            { name: "x-tenant", value: "^acme$" },
            { name: "x-debug", presence: "absent" },
          ],
          query: [{ name: "debug", presence: "absent" }],
          body: [{ path: "$.amount", value: "^[0-9]{1,4}$", presence: "present" }],
          token: [{ claim: "sub", value: "^user@email\\.com$" }],
          flags: "i",
          notes: "why this rule exists",
        },
        { id: "min", effect: "allow", priority: 0, flags: "" },
        { id: "max", effect: "allow", priority: 1000 },
      ],
      filters: [
        { op: "destroy", paths: ["$.data[*].card.number", "$..ssn"] },
        {
          op: "retain",
          paths: ["$.id", "$.amount", "$.currency"],
          match: { methods: ["GET"], path: "^/v1/charges/", flags: "i" },
        },
        {
          op: "mask",
          detect: ["email", "credit-card", "api-key", "jwt"],
          patterns: ["tok_[A-Za-z0-9]+"],
          replacement: "[redacted]",
          match: {},
        },
        { op: "mask" },
      ],
    },
    { id: "local", url: "http://127.0.0.1:8080" },
  ],
  targetCredentials: [
    { id: "stripe-live", target: "stripe", auth: { type: "bearer", secret: { env: "STRIPE_KEY" } } },
    {
      id: "stripe-key",
      target: "stripe",
      auth: { type: "apiKey", header: "x-api-key", secret: { file: "/run/secrets/stripe" } },
      default: "deny",
      rules: [{ id: "charges", effect: "allow", path: "^/v1/charges" }],
      filters: [{ op: "mask", detect: ["email"] }],
    },
    { id: "stripe-plain", target: "stripe", auth: { type: "apiKey", secret: { encrypted: "v1:abc" } } },
    { id: "open", target: "local", auth: { type: "none" } },
    {
      id: "basic-up",
      target: "local",
      auth: { type: "basic", username: "svc", password: { env: "UP_PASSWORD" } },
    },
    {
      id: "many-headers",
      target: "local",
      auth: {
        type: "headers",
        headers: [
          { name: "x-key", secret: { env: "KEY" } },
          { name: "x-tenant", secret: { file: "tenant.txt" } },
        ],
      },
    },
    {
      id: "oauth-up",
      target: "local",
      auth: {
        type: "oauth2",
        tokenUrl: "https://auth.example.com/token",
        clientId: "gateway",
        clientSecret: { env: "OAUTH_SECRET" },
        scopes: ["read", "write"],
        audience: "https://api.example.com",
      },
    },
    {
      id: "oauth-min",
      target: "local",
      auth: {
        type: "oauth2",
        tokenUrl: "http://127.0.0.1:9000/token",
        clientId: "gateway",
        clientSecret: { env: "OAUTH_SECRET" },
      },
    },
  ],
  proxyCredentials: [
    {
      id: "key_4a2f",
      auth: { type: "apiKey", keys: [digest("a"), digest("b")], header: "x-api-key" },
      default: "allow",
      rules: [{ id: "read-only", effect: "deny", methods: ["POST", "PUT", "PATCH", "DELETE"] }],
      filters: [{ op: "destroy", paths: ["$.secret"] }],
    },
    { id: "key-query", auth: { type: "apiKey", keys: [digest("c")], query: "api_key" } },
    { id: "bearer-1", auth: { type: "bearer", tokens: [digest("d")], prefix: "Token" } },
    { id: "bearer-2", auth: { type: "bearer", tokens: [digest("e")] } },
    {
      id: "basic-1",
      auth: { type: "basic", username: "alice", passwordHash: "scrypt:16384:8:1:c2FsdA:aGFzaA" },
    },
    { id: "jwt-1", auth: { type: "jwt", tokens: [digest("f")] } },
    {
      id: "jwks-1",
      auth: {
        type: "jwks",
        jwksUri: "https://issuer.example.com/.well-known/jwks.json",
        issuer: "https://issuer.example.com/",
        audience: ["api", "gateway"],
        algorithms: ["RS256", "ES256", "EdDSA"],
        clockTolerance: 2.5,
      },
    },
    {
      id: "jwks-hs",
      auth: {
        type: "jwks",
        secret: { env: "JWT_SECRET" },
        issuer: "me",
        audience: "api",
        algorithms: ["HS256"],
        clockTolerance: 0,
      },
    },
    {
      id: "oauth-in",
      auth: {
        type: "oauth2",
        introspectionUrl: "https://auth.example.com/introspect",
        clientId: "gateway",
        clientSecret: { encrypted: "v1:xyz" },
      },
    },
  ],
  proxies: [
    {
      id: "payments",
      target: "stripe",
      targetCredential: "stripe-live",
      credentials: ["key_4a2f", "jwks-1"],
      default: "deny",
      hosts: ["payments.example.com"],
      rules: [{ id: "charges", effect: "allow", methods: ["GET", "POST"], path: "^/v1/charges" }],
      meters: [
        { id: "proxy-rate", limits: { minute: 1000, day: 20000 } },
        {
          id: "caller-writes",
          per: "credential",
          limits: { hour: 100 },
          match: { methods: ["POST"], path: "^/v1/charges" },
        },
        { id: "caller-usage", per: "credential" },
        { id: "ai-tokens", per: "proxy", value: "$.usage.total_tokens", limits: { month: 100000 } },
      ],
      filters: [{ op: "mask", detect: ["api-key", "jwt"] }],
      bodyLimit: 65536,
      unsafe: { pathParameters: true, doubleEncoding: false },
    },
    { id: "minimal", target: "local", targetCredential: "open", credentials: [], default: "allow" },
  ],
};

function clone(): JsonObject {
  return structuredClone(fullDocument);
}

/** Walks a JSON pointer-ish path of keys and indexes to an object inside the document. */
function at(doc: JsonObject, ...path: (string | number)[]): JsonObject {
  let node: Json = doc;
  for (const key of path) {
    if (node === null || typeof node !== "object") throw new Error(`no ${String(key)} in path`);
    node = Array.isArray(node) ? (node[key as number] as Json) : (node[key as string] as Json);
  }
  if (node === null || typeof node !== "object" || Array.isArray(node)) throw new Error("not an object");
  return node;
}

interface InvalidCase {
  readonly name: string;
  readonly mutate: (doc: JsonObject) => void;
  /** Every error ajv must report, as `instancePath keyword` (the `if` wrappers of unions excluded). */
  readonly errors: readonly string[];
}

const targetRule = ["targets", 0, "rules", 0] as const;

const invalidCases: readonly InvalidCase[] = [
  {
    name: "unknown top-level field",
    mutate: (d) => {
      d.target = [];
    },
    errors: [" additionalProperties"],
  },
  {
    name: "top-level $schema not a string",
    mutate: (d) => {
      d.$schema = 1;
    },
    errors: ["/$schema type"],
  },
  {
    name: "targets not an array",
    mutate: (d) => {
      d.targets = {};
    },
    errors: ["/targets type"],
  },
  {
    name: "unknown rule field (typo 'metods')",
    mutate: (d) => {
      at(d, ...targetRule).metods = ["GET"];
    },
    errors: ["/targets/0/rules/0 additionalProperties"],
  },
  {
    name: "rule id with an uppercase letter",
    mutate: (d) => {
      at(d, ...targetRule).id = "No-admin";
    },
    errors: ["/targets/0/rules/0/id pattern"],
  },
  {
    name: "entity id of 64 characters",
    mutate: (d) => {
      at(d, "targets", 0).id = "a".repeat(64);
    },
    errors: ["/targets/0/id pattern"],
  },
  {
    name: "entity id starting with '-'",
    mutate: (d) => {
      at(d, "proxyCredentials", 0).id = "-key";
    },
    errors: ["/proxyCredentials/0/id pattern"],
  },
  {
    name: "rule without effect",
    mutate: (d) => {
      delete at(d, ...targetRule).effect;
    },
    errors: ["/targets/0/rules/0 required"],
  },
  {
    name: "rule effect outside allow/deny",
    mutate: (d) => {
      at(d, ...targetRule).effect = "block";
    },
    errors: ["/targets/0/rules/0/effect enum"],
  },
  {
    name: "priority 1001",
    mutate: (d) => {
      at(d, ...targetRule).priority = 1001;
    },
    errors: ["/targets/0/rules/0/priority maximum"],
  },
  {
    name: "negative priority",
    mutate: (d) => {
      at(d, ...targetRule).priority = -1;
    },
    errors: ["/targets/0/rules/0/priority minimum"],
  },
  {
    name: "fractional priority",
    mutate: (d) => {
      at(d, ...targetRule).priority = 1.5;
    },
    errors: ["/targets/0/rules/0/priority type"],
  },
  {
    name: "lowercase method",
    mutate: (d) => {
      at(d, ...targetRule).methods = ["get"];
    },
    errors: ["/targets/0/rules/0/methods/0 enum"],
  },
  {
    name: "duplicate methods",
    mutate: (d) => {
      at(d, ...targetRule).methods = ["GET", "GET"];
    },
    errors: ["/targets/0/rules/0/methods uniqueItems"],
  },
  {
    name: "regex flag other than i",
    mutate: (d) => {
      at(d, ...targetRule).flags = "g";
    },
    errors: ["/targets/0/rules/0/flags enum"],
  },
  {
    name: "presence outside present/absent",
    mutate: (d) => {
      at(d, ...targetRule, "query", 0).presence = "missing";
    },
    errors: ["/targets/0/rules/0/query/0/presence enum"],
  },
  {
    name: "header check name that is not an HTTP token",
    mutate: (d) => {
      at(d, ...targetRule, "headers", 0).name = "x tenant";
    },
    errors: ["/targets/0/rules/0/headers/0/name pattern"],
  },
  {
    name: "unknown field in a body check",
    mutate: (d) => {
      at(d, ...targetRule, "body", 0).jsonPath = "$.x";
    },
    errors: ["/targets/0/rules/0/body/0 additionalProperties"],
  },
  {
    name: "token check without claim",
    mutate: (d) => {
      delete at(d, ...targetRule, "token", 0).claim;
    },
    errors: ["/targets/0/rules/0/token/0 required"],
  },
  {
    name: "target without url",
    mutate: (d) => {
      delete at(d, "targets", 1).url;
    },
    errors: ["/targets/1 required"],
  },
  {
    name: "target url without http(s) scheme",
    mutate: (d) => {
      at(d, "targets", 0).url = "api.stripe.com";
    },
    errors: ["/targets/0/url pattern"],
  },
  {
    name: "scope default outside allow/deny",
    mutate: (d) => {
      at(d, "targets", 0).default = "permit";
    },
    errors: ["/targets/0/default enum"],
  },
  {
    name: "filter destroy without paths",
    mutate: (d) => {
      delete at(d, "targets", 0, "filters", 0).paths;
    },
    errors: ["/targets/0/filters/0 required"],
  },
  {
    name: "filter retain with empty paths",
    mutate: (d) => {
      at(d, "targets", 0, "filters", 1).paths = [];
    },
    errors: ["/targets/0/filters/1/paths minItems"],
  },
  {
    name: "unknown filter op",
    mutate: (d) => {
      at(d, "targets", 0, "filters", 0).op = "delete";
    },
    errors: ["/targets/0/filters/0/op enum"],
  },
  {
    name: "filter without op",
    mutate: (d) => {
      delete at(d, "targets", 0, "filters", 0).op;
    },
    errors: ["/targets/0/filters/0 required"],
  },
  {
    name: "field of another filter variant (detect on destroy)",
    mutate: (d) => {
      at(d, "targets", 0, "filters", 0).detect = ["email"];
    },
    errors: ["/targets/0/filters/0 additionalProperties"],
  },
  {
    name: "unknown mask detector",
    mutate: (d) => {
      at(d, "targets", 0, "filters", 2).detect = ["ssn"];
    },
    errors: ["/targets/0/filters/2/detect/0 enum"],
  },
  {
    name: "unknown field in a filter match",
    mutate: (d) => {
      at(d, "targets", 0, "filters", 1, "match").method = "GET";
    },
    errors: ["/targets/0/filters/1/match additionalProperties"],
  },
  {
    name: "plaintext string where a secretRef is expected",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").secret = "sk_live_123";
    },
    errors: ["/targetCredentials/0/auth/secret type"],
  },
  {
    name: "secretRef with two sources",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").secret = { env: "A", file: "b" };
    },
    errors: ["/targetCredentials/0/auth/secret maxProperties"],
  },
  {
    name: "empty secretRef",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").secret = {};
    },
    errors: ["/targetCredentials/0/auth/secret minProperties"],
  },
  {
    name: "secretRef with an unknown source",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").secret = { value: "sk_live_123" };
    },
    errors: ["/targetCredentials/0/auth/secret additionalProperties"],
  },
  {
    name: "secretRef env name that is not a variable name",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").secret = { env: "STRIPE-KEY" };
    },
    errors: ["/targetCredentials/0/auth/secret/env pattern"],
  },
  {
    name: "unknown target auth type",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").type = "token";
    },
    errors: ["/targetCredentials/0/auth/type enum"],
  },
  {
    name: "field of another target auth variant (header on bearer)",
    mutate: (d) => {
      at(d, "targetCredentials", 0, "auth").header = "x-api-key";
    },
    errors: ["/targetCredentials/0/auth additionalProperties"],
  },
  {
    name: "target auth none with a secret",
    mutate: (d) => {
      at(d, "targetCredentials", 3, "auth").secret = { env: "X" };
    },
    errors: ["/targetCredentials/3/auth additionalProperties"],
  },
  {
    name: "target basic auth with a plaintext password",
    mutate: (d) => {
      at(d, "targetCredentials", 4, "auth").password = "hunter2";
    },
    errors: ["/targetCredentials/4/auth/password type"],
  },
  {
    name: "target headers auth with no headers",
    mutate: (d) => {
      at(d, "targetCredentials", 5, "auth").headers = [];
    },
    errors: ["/targetCredentials/5/auth/headers minItems"],
  },
  {
    name: "target oauth2 without clientSecret",
    mutate: (d) => {
      delete at(d, "targetCredentials", 6, "auth").clientSecret;
    },
    errors: ["/targetCredentials/6/auth required"],
  },
  {
    name: "target oauth2 tokenUrl without scheme",
    mutate: (d) => {
      at(d, "targetCredentials", 6, "auth").tokenUrl = "auth.example.com/token";
    },
    errors: ["/targetCredentials/6/auth/tokenUrl pattern"],
  },
  {
    name: "target credential without target",
    mutate: (d) => {
      delete at(d, "targetCredentials", 0).target;
    },
    errors: ["/targetCredentials/0 required"],
  },
  {
    name: "target credential without auth",
    mutate: (d) => {
      delete at(d, "targetCredentials", 0).auth;
    },
    errors: ["/targetCredentials/0 required"],
  },
  {
    name: "auth without type",
    mutate: (d) => {
      delete at(d, "proxyCredentials", 0, "auth").type;
    },
    errors: ["/proxyCredentials/0/auth required"],
  },
  {
    name: "unknown proxy auth type",
    mutate: (d) => {
      at(d, "proxyCredentials", 0, "auth").type = "mtls";
    },
    errors: ["/proxyCredentials/0/auth/type enum"],
  },
  {
    name: "bad digest (uppercase hex)",
    mutate: (d) => {
      at(d, "proxyCredentials", 0, "auth").keys = [`sha256:${"A".repeat(64)}`];
    },
    errors: ["/proxyCredentials/0/auth/keys/0 pattern"],
  },
  {
    name: "bad digest (63 hex digits)",
    mutate: (d) => {
      at(d, "proxyCredentials", 2, "auth").tokens = [`sha256:${"a".repeat(63)}`];
    },
    errors: ["/proxyCredentials/2/auth/tokens/0 pattern"],
  },
  {
    name: "plaintext API key instead of a digest",
    mutate: (d) => {
      at(d, "proxyCredentials", 0, "auth").keys = ["my-secret-key"];
    },
    errors: ["/proxyCredentials/0/auth/keys/0 pattern"],
  },
  {
    name: "apiKey header that is not an HTTP token",
    mutate: (d) => {
      at(d, "proxyCredentials", 0, "auth").header = "x:api-key";
    },
    errors: ["/proxyCredentials/0/auth/header pattern"],
  },
  {
    name: "field of another proxy auth variant (tokens on apiKey)",
    mutate: (d) => {
      at(d, "proxyCredentials", 0, "auth").tokens = [digest("a")];
    },
    errors: ["/proxyCredentials/0/auth additionalProperties"],
  },
  {
    name: "basic passwordHash without scrypt prefix",
    mutate: (d) => {
      at(d, "proxyCredentials", 4, "auth").passwordHash = "hunter2";
    },
    errors: ["/proxyCredentials/4/auth/passwordHash pattern"],
  },
  {
    name: "jwt credential without tokens",
    mutate: (d) => {
      delete at(d, "proxyCredentials", 5, "auth").tokens;
    },
    errors: ["/proxyCredentials/5/auth required"],
  },
  {
    name: "jwks negative clockTolerance",
    mutate: (d) => {
      at(d, "proxyCredentials", 6, "auth").clockTolerance = -1;
    },
    errors: ["/proxyCredentials/6/auth/clockTolerance minimum"],
  },
  {
    name: "jwks algorithm none",
    mutate: (d) => {
      at(d, "proxyCredentials", 6, "auth").algorithms = ["none"];
    },
    errors: ["/proxyCredentials/6/auth/algorithms/0 enum"],
  },
  {
    name: "jwks audience neither string nor string array",
    mutate: (d) => {
      at(d, "proxyCredentials", 6, "auth").audience = 42;
    },
    errors: [
      "/proxyCredentials/6/auth/audience type",
      "/proxyCredentials/6/auth/audience type",
      "/proxyCredentials/6/auth/audience anyOf",
    ],
  },
  {
    name: "jwks jwksUri without scheme",
    mutate: (d) => {
      at(d, "proxyCredentials", 6, "auth").jwksUri = "issuer.example.com/jwks";
    },
    errors: ["/proxyCredentials/6/auth/jwksUri pattern"],
  },
  {
    name: "oauth2 introspection with a plaintext client secret",
    mutate: (d) => {
      at(d, "proxyCredentials", 8, "auth").clientSecret = "s3cret";
    },
    errors: ["/proxyCredentials/8/auth/clientSecret type"],
  },
  {
    name: "oauth2 introspectionUrl without scheme",
    mutate: (d) => {
      at(d, "proxyCredentials", 8, "auth").introspectionUrl = "ftp://auth.example.com";
    },
    errors: ["/proxyCredentials/8/auth/introspectionUrl pattern"],
  },
  {
    name: "proxy without default",
    mutate: (d) => {
      delete at(d, "proxies", 1).default;
    },
    errors: ["/proxies/1 required"],
  },
  {
    name: "proxy without credentials",
    mutate: (d) => {
      delete at(d, "proxies", 1).credentials;
    },
    errors: ["/proxies/1 required"],
  },
  {
    name: "proxy credential reference that is not an id",
    mutate: (d) => {
      at(d, "proxies", 0).credentials = ["Key 4a2f"];
    },
    errors: ["/proxies/0/credentials/0 pattern"],
  },
  {
    name: "proxy bodyLimit 0",
    mutate: (d) => {
      at(d, "proxies", 0).bodyLimit = 0;
    },
    errors: ["/proxies/0/bodyLimit minimum"],
  },
  {
    name: "unknown unsafe option",
    mutate: (d) => {
      at(d, "proxies", 0, "unsafe").backslashes = true;
    },
    errors: ["/proxies/0/unsafe additionalProperties"],
  },
  {
    name: "unsafe option not a boolean",
    mutate: (d) => {
      at(d, "proxies", 0, "unsafe").pathParameters = "yes";
    },
    errors: ["/proxies/0/unsafe/pathParameters type"],
  },
  {
    name: "meter without id",
    mutate: (d) => {
      delete at(d, "proxies", 0, "meters", 2).id;
    },
    errors: ["/proxies/0/meters/2 required"],
  },
  {
    name: "meter limits with unknown window",
    mutate: (d) => {
      at(d, "proxies", 0, "meters", 0).limits = { second: 10 };
    },
    errors: ["/proxies/0/meters/0/limits additionalProperties"],
  },
  {
    name: "meter limits empty",
    mutate: (d) => {
      at(d, "proxies", 0, "meters", 0).limits = {};
    },
    errors: ["/proxies/0/meters/0/limits minProperties"],
  },
  {
    name: "meter limit zero",
    mutate: (d) => {
      at(d, "proxies", 0, "meters", 0, "limits").minute = 0;
    },
    errors: ["/proxies/0/meters/0/limits/minute minimum"],
  },
  {
    name: "meter limit fractional",
    mutate: (d) => {
      at(d, "proxies", 0, "meters", 0, "limits").day = 2.5;
    },
    errors: ["/proxies/0/meters/0/limits/day type"],
  },
  {
    name: "meter per outside proxy/credential",
    mutate: (d) => {
      at(d, "proxies", 0, "meters", 1).per = "caller";
    },
    errors: ["/proxies/0/meters/1/per enum"],
  },
  {
    name: "rule nested in a proxy with a bad id",
    mutate: (d) => {
      at(d, "proxies", 0, "rules", 0).id = "charges!";
    },
    errors: ["/proxies/0/rules/0/id pattern"],
  },
];

function errorKeys(doc: JsonObject): string[] {
  expect(validate(doc)).toBe(false);
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => `${e.instancePath} ${e.keyword}`)
    .sort();
}

describe("schemas/policy.schema.json", () => {
  it("is a draft 2020-12 schema with the published $id", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe("https://rrc.dev/schemas/policy.schema.json");
  });

  it("compiles with ajv 2020 in strict mode without warnings", () => {
    expect(typeof validate).toBe("function");
    expect(compileMessages).toEqual([]);
  });

  it("accepts a document using every feature", () => {
    const ok = validate(fullDocument);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("accepts an empty document", () => {
    expect(validate({})).toBe(true);
  });

  it("has at least 25 invalid cases", () => {
    expect(invalidCases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(invalidCases.map((c) => [c.name, c] as const))("rejects: %s", (_name, invalid) => {
    const doc = clone();
    invalid.mutate(doc);
    expect(errorKeys(doc)).toEqual([...invalid.errors].sort());
  });

  it("gives every property a description", () => {
    const missing: string[] = [];
    const visit = (node: SchemaNode, where: string): void => {
      for (const [name, prop] of Object.entries(node.properties ?? {})) {
        if (typeof (prop as { description?: unknown }).description !== "string")
          missing.push(`${where}.${name}`);
      }
    };
    visit(schema, "#");
    for (const [name, def] of Object.entries(schema.$defs)) visit(def, `#/$defs/${name}`);
    expect(missing).toEqual([]);
  });

  it("lists exactly the Rule fields of compiler/authoring/types.ts", () => {
    const ruleFields = [
      "id",
      "effect",
      "priority",
      "methods",
      "path",
      "headers",
      "query",
      "body",
      "token",
      "credentials",
      "flags",
      "notes",
    ];
    expect(Object.keys(schema.$defs.rule?.properties ?? {}).sort()).toEqual([...ruleFields].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Drift against the TypeScript declarations, read with the TypeScript parser.

interface TsMember {
  readonly name: string;
  readonly optional: boolean;
}

const typesSource = ts.createSourceFile(
  "types.ts",
  readFileSync(typesUrl, "utf8"),
  ts.ScriptTarget.Latest,
  true,
);

const declarations = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
for (const statement of typesSource.statements) {
  if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
    declarations.set(statement.name.text, statement);
  }
}

function declaration(name: string): ts.InterfaceDeclaration | ts.TypeAliasDeclaration {
  const found = declarations.get(name);
  if (!found) throw new Error(`types.ts declares no ${name}`);
  return found;
}

function membersOf(node: ts.InterfaceDeclaration | ts.TypeLiteralNode): TsMember[] {
  return node.members.filter(ts.isPropertySignature).map((member) => {
    if (!ts.isIdentifier(member.name) && !ts.isStringLiteral(member.name)) {
      throw new Error(`unsupported member name ${member.name.getText()}`);
    }
    return { name: member.name.text, optional: member.questionToken !== undefined };
  });
}

function interfaceMembers(name: string): TsMember[] {
  const decl = declaration(name);
  if (!ts.isInterfaceDeclaration(decl)) throw new Error(`${name} is not an interface`);
  return membersOf(decl);
}

function stringLiteral(node: ts.TypeNode): string {
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return node.literal.text;
  throw new Error(`not a string literal type: ${node.getText()}`);
}

function unionOf(name: string): readonly ts.TypeNode[] {
  const decl = declaration(name);
  if (!ts.isTypeAliasDeclaration(decl)) throw new Error(`${name} is not a type alias`);
  return ts.isUnionTypeNode(decl.type) ? decl.type.types : [decl.type];
}

function literalUnion(name: string): string[] {
  return unionOf(name).map(stringLiteral);
}

/** The variants of a discriminated union of object literal types, keyed by discriminant. */
function variants(name: string, discriminant: string): Map<string, TsMember[]> {
  const result = new Map<string, TsMember[]>();
  for (const node of unionOf(name)) {
    if (!ts.isTypeLiteralNode(node)) throw new Error(`${name} has a variant that is not an object type`);
    const tag = node.members
      .filter(ts.isPropertySignature)
      .find((m) => ts.isIdentifier(m.name) && m.name.text === discriminant);
    if (!tag?.type) throw new Error(`${name} has a variant without ${discriminant}`);
    result.set(stringLiteral(tag.type), membersOf(node));
  }
  return result;
}

function def(name: string): SchemaNode {
  const found = schema.$defs[name];
  if (!found) throw new Error(`schema has no $defs.${name}`);
  return found;
}

function expectSameShape(node: SchemaNode, members: readonly TsMember[]): void {
  expect(Object.keys(node.properties ?? {}).sort()).toEqual(members.map((m) => m.name).sort());
  expect([...(node.required ?? [])].sort()).toEqual(
    members
      .filter((m) => !m.optional)
      .map((m) => m.name)
      .sort(),
  );
}

function refName(node: SchemaNode | undefined): string {
  const ref = node?.$ref ?? "";
  if (!ref.startsWith("#/$defs/")) throw new Error(`not a local $ref: ${ref}`);
  return ref.slice("#/$defs/".length);
}

describe("policy schema agrees with compiler/authoring/types.ts", () => {
  const interfaces: readonly (readonly [string, string])[] = [
    ["HeaderCheck", "headerCheck"],
    ["QueryCheck", "queryCheck"],
    ["BodyCheck", "bodyCheck"],
    ["TokenCheck", "tokenCheck"],
    ["Rule", "rule"],
    ["RequestMatch", "requestMatch"],
    ["Meter", "meter"],
    ["Target", "target"],
    ["TargetCredential", "targetCredential"],
    ["ProxyCredential", "proxyCredential"],
    ["UnsafeOptions", "unsafeOptions"],
    ["Proxy", "proxy"],
  ];

  it.each(interfaces)("interface %s matches $defs.%s", (tsName, defName) => {
    expectSameShape(def(defName), interfaceMembers(tsName));
  });

  it("PolicyDocument matches the root schema", () => {
    expectSameShape(schema, interfaceMembers("PolicyDocument"));
  });

  const unions: readonly (readonly [string, string, string])[] = [
    ["Filter", "op", "filter"],
    ["TargetAuth", "type", "targetAuth"],
    ["ProxyAuth", "type", "proxyAuth"],
  ];

  it.each(unions)("union %s (by %s) matches $defs.%s and its variants", (tsName, tag, defName) => {
    const tsVariants = variants(tsName, tag);
    const wrapper = def(defName);
    expect(wrapper.properties?.[tag]?.enum).toEqual([...tsVariants.keys()]);
    const branches = wrapper.allOf ?? [];
    expect(branches.map((b) => b.if.properties?.[tag]?.const)).toEqual([...tsVariants.keys()]);
    for (const branch of branches) {
      const value = branch.if.properties?.[tag]?.const ?? "";
      const variant = def(refName(branch.then));
      expect(variant.properties?.[tag]?.const).toBe(value);
      expectSameShape(variant, tsVariants.get(value) ?? []);
    }
  });

  it("SecretRef matches $defs.secretRef (one of its single-property variants)", () => {
    const names = unionOf("SecretRef").map((node) => {
      if (!ts.isTypeLiteralNode(node)) throw new Error("SecretRef variant is not an object type");
      const members = membersOf(node);
      expect(members).toHaveLength(1);
      expect(members[0]?.optional).toBe(false);
      return members[0]?.name ?? "";
    });
    expect(Object.keys(def("secretRef").properties ?? {}).sort()).toEqual(names.sort());
  });

  it("meter limit windows match MeterWindow", () => {
    expect(Object.keys(def("meterLimits").properties ?? {}).sort()).toEqual(
      literalUnion("MeterWindow").sort(),
    );
  });

  it("enumerations match the literal unions", () => {
    expect(def("httpMethod").enum).toEqual(literalUnion("HttpMethod"));
    expect(def("presence").enum).toEqual(literalUnion("Presence"));
    expect(def("regexFlags").enum).toEqual(literalUnion("RegexFlags"));
    expect(def("scopeDefault").enum).toEqual(literalUnion("ScopeDefault"));
    expect(def("rule").properties?.effect?.enum).toEqual(literalUnion("Effect"));
    expect(def("filterMask").properties?.detect?.items?.enum).toEqual(literalUnion("Detector"));
  });
});
