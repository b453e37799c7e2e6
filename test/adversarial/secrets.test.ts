// Secrets never leak (SPEC §3, §8): not into the bundle, the decision log, problem bodies,
// response headers, the admin port or the process output; the caller's own credential never
// reaches the upstream, whatever carried it; a secret with control characters stops start-up;
// and credential look-ups are hash-map look-ups, never comparisons of secrets.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { PolicyDocument, ProxyCredential } from "../../compiler/authoring/types.ts";
import { digestKey } from "../../runtime/authenticate/digest.ts";
import { Authenticator, hashPassword } from "../../runtime/authenticate/index.ts";
import { encryptSecret, generateSecretKey, parseSecretKey } from "../../runtime/secrets/encrypt.ts";
import { startIntrospectionServer, startTokenServer } from "../support/auth-servers.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { signHs256 } from "./support/jwt.ts";
import { digest } from "./support/policy.ts";

const dir = workspace("secrets");
const logFile = join(dir, "decisions.jsonl");
const secretFile = join(dir, "upstream-key.txt");
const introspectionSecretFile = join(dir, "introspection-secret.txt");
const SECRET_KEY = generateSecretKey();

// Upstream secrets and the gateway's own secrets: they appear in no output at all.
const TARGET = {
  env: "sec-env-bearer-8c1f2e",
  file: "sec-file-apikey-3a9d7b",
  encrypted: "sec-encrypted-password-5e2b91",
  oauthClient: "sec-oauth-client-secret-71d0",
  hs: "sec-hs-shared-secret-0123456789abcdef",
  introspection: "sec-introspection-secret-4b6c",
};
// What callers present: it appears in no output, and never at the upstream.
const CALLER = {
  header: "caller-header-key-11aa",
  query: "caller-query-key-22bb",
  staticToken: "caller-static-token-33cc",
  password: "caller-password-44dd",
  opaque: "caller-opaque-token-55ee",
};
const HS_ISSUER = "https://hs.secrets.test";
const hsToken = signHs256(
  { typ: "JWT" },
  { iss: HS_ISSUER, aud: "rrc", sub: "caller", exp: 4102444800 },
  TARGET.hs,
);
const basicPair = Buffer.from(`alice:${CALLER.password}`).toString("base64");
const upstreamBasic = Buffer.from(`svc:${TARGET.encrypted}`).toString("base64");

let upstream: RecordingUpstream;
let tokens: Awaited<ReturnType<typeof startTokenServer>>;
let introspection: Awaited<ReturnType<typeof startIntrospectionServer>>;
let gateway: ServeProcess;
let bundle: string;
/** Everything the gateway sent back to callers: status lines aside, headers and bodies. */
const answered: string[] = [];

const ENV = {
  RRC_SEC_ENV: TARGET.env,
  RRC_SEC_HS: TARGET.hs,
  RRC_SECRET_KEY: SECRET_KEY,
};

function policy(): PolicyDocument {
  const key = parseSecretKey(SECRET_KEY, "RRC_SECRET_KEY");
  const credentials = ["reader", "by-query", "static", "alice", "hs", "opaque"];
  const proxy = (id: string, target: string, targetCredential: string) => ({
    id,
    target,
    targetCredential,
    credentials,
    default: "allow" as const,
    rules: [{ id: `${id}-no-admin`, effect: "deny" as const, path: "^/admin" }],
  });
  return {
    targets: ["env", "file", "enc", "oauth"].map((id) => ({ id: `t-${id}`, url: `${upstream.url}/${id}` })),
    targetCredentials: [
      { id: "tc-env", target: "t-env", auth: { type: "bearer", secret: { env: "RRC_SEC_ENV" } } },
      {
        id: "tc-file",
        target: "t-file",
        auth: { type: "apiKey", header: "x-upstream-key", secret: { file: secretFile } },
      },
      {
        id: "tc-enc",
        target: "t-enc",
        auth: {
          type: "basic",
          username: "svc",
          password: { encrypted: encryptSecret(TARGET.encrypted, key) },
        },
      },
      {
        id: "tc-oauth",
        target: "t-oauth",
        auth: {
          type: "oauth2",
          tokenUrl: `${tokens.url}/token`,
          clientId: "rrc-upstream",
          clientSecret: { encrypted: encryptSecret(TARGET.oauthClient, key) },
        },
      },
    ],
    proxyCredentials: [
      { id: "reader", auth: { type: "apiKey", keys: [digest(CALLER.header)] } },
      { id: "by-query", auth: { type: "apiKey", keys: [digest(CALLER.query)], query: "api_key" } },
      { id: "static", auth: { type: "bearer", tokens: [digest(CALLER.staticToken)], prefix: "Token" } },
      {
        id: "alice",
        auth: { type: "basic", username: "alice", passwordHash: "scrypt:placeholder" as `scrypt:${string}` },
      },
      {
        id: "hs",
        auth: {
          type: "jwks",
          secret: { env: "RRC_SEC_HS" },
          issuer: HS_ISSUER,
          audience: "rrc",
          algorithms: ["HS256"],
        },
      },
      {
        id: "opaque",
        auth: {
          type: "oauth2",
          introspectionUrl: `${introspection.url}/introspect`,
          clientId: "rrc-gateway",
          clientSecret: { file: introspectionSecretFile },
        },
      },
    ],
    proxies: [
      proxy("p-env", "t-env", "tc-env"),
      proxy("p-file", "t-file", "tc-file"),
      proxy("p-enc", "t-enc", "tc-enc"),
      proxy("p-oauth", "t-oauth", "tc-oauth"),
    ],
  };
}

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  tokens = await startTokenServer("rrc-upstream", TARGET.oauthClient);
  introspection = await startIntrospectionServer(
    "rrc-gateway",
    TARGET.introspection,
    new Map([[CALLER.opaque, { sub: "opaque-caller", exp: 4102444800 }]]),
  );
  writeFileSync(secretFile, `${TARGET.file}\n`);
  writeFileSync(introspectionSecretFile, TARGET.introspection);
  const document = policy();
  const alice = document.proxyCredentials!.find((c) => c.id === "alice")!;
  (alice.auth as { passwordHash: string }).passwordHash = await hashPassword(CALLER.password);
  bundle = await buildPolicy(document, dir);
  const started = await spawnServe(
    ["--bundle", bundle, "--admin-port", "0", "--log", `file:${logFile}`],
    ENV,
  );
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  gateway = started;
});

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  await tokens?.stop();
  await introspection?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const TARGET_SECRETS = [...Object.values(TARGET), upstreamBasic, SECRET_KEY];
const CALLER_SECRETS = [...Object.values(CALLER), hsToken, basicPair];

/** The ways a caller presents a credential: every carrier the gateway knows. */
const PRESENTATIONS: [name: string, query: string, headers: Record<string, string>, secret: string][] = [
  ["api key header", "", { "x-api-key": CALLER.header }, CALLER.header],
  ["api key header, other case", "", { "X-API-KEY": CALLER.header }, CALLER.header],
  ["api key in the query", `api_key=${CALLER.query}`, {}, CALLER.query],
  ["api key between parameters", `x=1&api_key=${CALLER.query}&y=2`, {}, CALLER.query],
  ["api key under an encoded name", `x=1&%61pi%5Fkey=${CALLER.query}`, {}, CALLER.query],
  ["bearer token with its prefix", "", { authorization: `Token ${CALLER.staticToken}` }, CALLER.staticToken],
  ["basic", "", { authorization: `Basic ${basicPair}` }, basicPair],
  ["HS256 JWT", "", { authorization: `Bearer ${hsToken}` }, hsToken],
  ["introspected token", "", { authorization: `Bearer ${CALLER.opaque}` }, CALLER.opaque],
];

async function send(path: string, headers: Record<string, string>) {
  const response = await request(`${gateway.url}${path}`, { headers });
  const body = await response.body.text();
  answered.push(JSON.stringify(response.headers), body);
  return { status: response.statusCode, headers: response.headers, body };
}

describe("caller credentials", () => {
  const INJECTED: Record<string, (headers: Record<string, unknown>) => void> = {
    "p-env": (h) => expect(h.authorization).toBe(`Bearer ${TARGET.env}`),
    "p-file": (h) => expect(h["x-upstream-key"]).toBe(TARGET.file),
    "p-enc": (h) => expect(h.authorization).toBe(`Basic ${upstreamBasic}`),
    "p-oauth": (h) => expect(h.authorization).toMatch(/^Bearer issued-token-\d+$/),
  };

  it.each(PRESENTATIONS)(
    "presented as %s, never reach the upstream",
    async (_name, query, headers, secret) => {
      for (const proxy of Object.keys(INJECTED)) {
        const before = upstream.requests.length;
        const allowed = await send(`/${proxy}/echo${query ? `?${query}` : ""}`, headers);
        expect(allowed.status).toBe(200);
        const seen = upstream.requests.slice(before);
        expect(seen).toHaveLength(1);
        const text = JSON.stringify(seen[0]);
        expect(text).not.toContain(secret);
        for (const caller of CALLER_SECRETS) expect(text).not.toContain(caller);
        INJECTED[proxy]!(seen[0]!.headers);
        // Refusals with the same credential: a rule denial and an unknown proxy.
        expect((await send(`/${proxy}/admin${query ? `?${query}` : ""}`, headers)).status).toBe(403);
        expect((await send(`/nope/admin${query ? `?${query}` : ""}`, headers)).status).toBe(404);
        expect(upstream.requests.length).toBe(before + 1);
      }
    },
  );

  it("wrong credentials of every kind get a 401 that does not echo them", async () => {
    const wrong: Record<string, string>[] = [
      { "x-api-key": `${CALLER.header}-wrong` },
      { authorization: `Token ${CALLER.staticToken}-wrong` },
      { authorization: `Basic ${Buffer.from(`alice:${CALLER.password}-wrong`).toString("base64")}` },
      { authorization: `Bearer ${hsToken}x` },
      { authorization: `Bearer ${CALLER.opaque}-wrong` },
      { "x-api-key": CALLER.header, authorization: `Token ${CALLER.staticToken}` },
    ];
    for (const headers of wrong) {
      const response = await send("/p-env/echo", headers);
      expect(response.status).toBe(401);
      for (const value of Object.values(headers))
        expect(response.body + JSON.stringify(response.headers)).not.toContain(value);
    }
  });
});

describe("nothing leaks", () => {
  it("the bundle holds secret references, never a secret (every file in it)", () => {
    const files = readdirSync(bundle);
    expect(files).toEqual(
      expect.arrayContaining(["decision.mjs", "tables.json", "document.json", "flat.json", "manifest.json"]),
    );
    for (const file of files) {
      const text = readFileSync(join(bundle, file), "utf8");
      for (const secret of [...TARGET_SECRETS, ...CALLER_SECRETS]) {
        expect(text, `${file} holds a secret`).not.toContain(secret);
      }
    }
    const document = readFileSync(join(bundle, "document.json"), "utf8");
    expect(document).toContain("RRC_SEC_ENV");
    expect(document).toContain("rrc1:");
  });

  it("the decision log, problem bodies, response headers, admin port and process output hold none", async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const log = readFileSync(logFile, "utf8");
    expect(log.trim().split("\n").length).toBeGreaterThan(50);
    const admin = `http://127.0.0.1:${gateway.adminPort}`;
    const adminText = await Promise.all(
      ["/metrics", "/manifest", "/healthz"].map(async (path) =>
        (await request(`${admin}${path}`)).body.text(),
      ),
    );
    const outputs: [string, string][] = [
      ["decision log", log],
      ["responses", answered.join("\n")],
      ["admin port", adminText.join("\n")],
      ["stderr", gateway.stderr()],
      ["stdout", gateway.stdout()],
    ];
    for (const [where, text] of outputs) {
      for (const secret of [...TARGET_SECRETS, ...CALLER_SECRETS, ...tokens.issued]) {
        expect(text, `${where} holds a secret`).not.toContain(secret);
      }
    }
    expect(answered.join("\n")).toContain("application/problem+json");
  });
});

describe("control characters in a secret stop start-up", () => {
  const cases: [string, NodeJS.ProcessEnv, () => void][] = [
    ["CRLF in an env secret", { RRC_SEC_ENV: "abc\r\nX-Injected: 1" }, () => undefined],
    ["LF in an env secret", { RRC_SEC_ENV: "abc\nX-Injected: 1" }, () => undefined],
    ["TAB in an env secret", { RRC_SEC_ENV: "abc\tdef" }, () => undefined],
    ["NUL in a file secret", {}, () => writeFileSync(secretFile, "abc\0def")],
    ["CR inside a file secret", {}, () => writeFileSync(secretFile, "abc\rdef\n")],
    [
      "LF in a proxy credential's shared secret",
      { RRC_SEC_HS: "shared\nsecret-0123456789abcdef" },
      () => undefined,
    ],
    ["non-ASCII in a secret sent as a header", { RRC_SEC_ENV: "abc\u00e9def" }, () => undefined],
  ];

  it.each(cases)("%s → exit 1, [secret-invalid], the value not echoed", async (_name, env, prepare) => {
    prepare();
    try {
      const result = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none"], {
        ...ENV,
        ...env,
      });
      expect(isRunning(result)).toBe(false);
      if (isRunning(result)) {
        await result.stop();
        return;
      }
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("[secret-invalid]");
      expect(result.stderr).not.toContain("X-Injected");
      expect(result.stderr).not.toMatch(/abc.def/);
      expect(result.stderr).not.toContain("    at ");
    } finally {
      writeFileSync(secretFile, `${TARGET.file}\n`);
    }
  });

  it("an encrypted secret that decrypts to CRLF → exit 1, [secret-invalid]", async () => {
    const document = policy();
    const key = parseSecretKey(SECRET_KEY, "RRC_SECRET_KEY");
    const enc = document.targetCredentials!.find((c) => c.id === "tc-enc")!;
    (enc.auth as { password: unknown }).password = { encrypted: encryptSecret("pw\r\nX-Injected: 1", key) };
    const alice = document.proxyCredentials!.find((c) => c.id === "alice")!;
    (alice.auth as { passwordHash: string }).passwordHash = await hashPassword("x", { N: 1024 });
    const crlf = await buildPolicy(document, dir, "crlf-encrypted");
    const result = await spawnServe(["--bundle", crlf, "--admin-port", "off", "--log", "none"], ENV);
    expect(isRunning(result)).toBe(false);
    if (!isRunning(result)) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("[secret-invalid]");
      expect(result.stderr).not.toContain("X-Injected");
    }
  });
});

describe("credential look-ups are constant-time", () => {
  const apiKeys = (count: number): ProxyCredential[] =>
    Array.from({ length: count }, (_, i) => ({
      id: `k${i}`,
      auth: { type: "apiKey", keys: [digest(`key-${i}`)] },
    }));

  /** Map#get calls made by one authentication: the same whatever the number of credentials. */
  function lookups(credentials: ProxyCredential[], presented: string) {
    const authenticator = new Authenticator(credentials, { resolveSecret: () => "" });
    const get = vi.spyOn(Map.prototype, "get");
    try {
      const result = authenticator.authenticate({ headers: { "x-api-key": presented }, query: new Map() });
      return { result, calls: get.mock.calls.length, keys: get.mock.calls.map((call) => String(call[0])) };
    } finally {
      get.mockRestore();
      authenticator.close();
    }
  }

  it("an api key is one hash-map look-up on its SHA-256 digest, for 1 or 5,000 credentials", () => {
    const one = lookups(apiKeys(1), "key-0");
    const many = lookups(apiKeys(5000), "key-4321");
    expect(one.result).toMatchObject({ ok: true, credential: "k0" });
    expect(many.result).toMatchObject({ ok: true, credential: "k4321" });
    expect(many.calls).toBe(one.calls);
    // What is looked up is the digest (in base64), never the presented key itself.
    expect(many.keys).toContain(digestKey("key-4321"));
    expect(digestKey("key-4321")).toBe(Buffer.from(digest("key-4321").slice(7), "hex").toString("base64"));
    expect(many.keys.some((key) => key.includes("key-4321"))).toBe(false);
    const miss = lookups(apiKeys(5000), "not-a-key");
    expect(miss.result).toMatchObject({ ok: false, code: "unauthenticated" });
    expect(miss.calls).toBe(one.calls);
  });

  it("no presented credential or secret is compared with ===, !== or string methods (code review)", () => {
    // What was reviewed (see SECURITY.md): api keys, bearer and fixed JWT tokens are hashed and looked up
    // in a Map (digest.ts, index.ts); Basic compares scrypt outputs with timingSafeEqual (basic.ts); HS JWTs
    // are checked by jose (an HMAC compare in WebCrypto); caches are keyed by a digest or an HMAC. This
    // scan keeps it so: a comparison of two non-constant values, one of which names a token, password,
    // secret or key, is flagged. Comparisons with a constant (`scheme === "basic"`, `=== undefined`)
    // reveal nothing about a secret.
    const files = ["runtime/authenticate", "runtime/secrets"].flatMap((folder) =>
      readdirSync(folder)
        .filter((name) => name.endsWith(".ts"))
        .map((name) => `${folder}/${name}`),
    );
    const NAMES = /(token|password|secret|apikey|presented|digest)/i;
    const CONSTANT = /^(undefined|null|true|false|-?\d+(\.\d+)?|"[^"]*"|'[^']*'|`[^`$]*`|[A-Z][A-Z0-9_]*)$/;
    const secretish = (operand: string) =>
      NAMES.test(operand) && !/\.(length|type|kind|size|expiresAt)$/.test(operand);
    let compared = 0;
    const scan = (file: string, text: string): string[] => {
      const flagged: string[] = [];
      for (const line of text.split("\n")) {
        if (/^\s*(\/\/|\*)/.test(line)) continue;
        const pairs: [string, string][] = [];
        for (const m of line.matchAll(/(\S+)\s*(?:===|!==)\s*(\S+)/g)) pairs.push([m[1]!, m[2]!]);
        for (const m of line.matchAll(
          /([\w$.#]+)\.(?:startsWith|endsWith|includes|localeCompare)\(([^()]*)\)/g,
        )) {
          pairs.push([m[1]!, m[2]!]);
        }
        for (const [left, right] of pairs) {
          const a = left.replace(/^[(!]+/, "");
          const b = right.replace(/[);{,]+$/, "");
          compared++;
          if (CONSTANT.test(a) || CONSTANT.test(b) || a === "typeof") continue;
          if (secretish(a) || secretish(b)) flagged.push(`${file}: ${line.trim()}`);
        }
      }
      return flagged;
    };
    // The scan finds what it is meant to find.
    expect(
      scan("planted", "if (presented === stored.key) ok();\nreturn token.startsWith(expectedToken);"),
    ).toHaveLength(2);
    compared = 0;
    const flagged = files.flatMap((file) => scan(file, readFileSync(file, "utf8")));
    expect(compared).toBeGreaterThan(20);
    expect(flagged).toEqual([]);
  });
});
