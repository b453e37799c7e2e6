// 10,000 random requests, over a small vocabulary that hits the rules of
// ./support/fuzz-policy.ts, sent through a live `rrc serve` (keep-alive undici Pool, bounded
// concurrency) and decided in-process by the same bundle (`loadBundle(dir).decider`, as
// `rrc eval` does). Verdict, status and code must agree for every request, and no request
// the gateway refused may reach the upstream. Authentication aside: callers use API keys,
// and the decision is given the credential they authenticate as.
import { rmSync } from "node:fs";
import fc from "fast-check";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundle } from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { FUZZ_KEYS, fuzzPolicy } from "./support/fuzz-policy.ts";

const REQUESTS = 10_000;
const CONCURRENCY = 16;
const SEED = Number(process.env.RRC_FUZZ_SEED ?? Date.now() % 2 ** 31);

const dir = workspace("live-vs-eval");
let upstream: RecordingUpstream;
let gateway: ServeProcess;
let decider: Decider;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  const bundle = await buildPolicy(fuzzPolicy(upstream.url), dir);
  decider = (await loadBundle(bundle)).decider;
  const started = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none"], {
    RRC_FUZZ_TOKEN: "fuzz-upstream-token",
  });
  if (!isRunning(started)) throw new Error(started.stderr);
  gateway = started;
});

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Key = keyof typeof FUZZ_KEYS;

interface FuzzRequest {
  readonly proxy: string;
  readonly key: Key;
  readonly method: string;
  readonly rest: string;
  readonly query: readonly (readonly [string, string])[];
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | undefined;
  readonly json: boolean;
}

const COMMON_PIECES = [
  "/items",
  "/items/1",
  "/items/x",
  "/pub",
  "/pub/a",
  "/pub/secret",
  "/pub/t",
  "/vip",
  "/admin",
];
const PATH_PIECES = [
  "/PUB/Secret",
  "/ADMIN/x",
  "/Admin",
  "/blocked",
  "/",
  "//",
  "/.",
  "/..",
  "/%2e%2e",
  "/%2E",
  "/%2F",
  "/;x",
  "/%3B",
  "/%3bx",
  "/%41",
  "/%61dmin",
  "/%3A",
  "/a:b",
  "/%40",
  "/~",
  "/%7e",
  "/%EF%BD%81",
  "/%E2%80%A5",
  "/%2541",
  "/%252e",
  "/%C0%AE",
  "/%C3%A9",
  "/%00",
  "/%09",
  "/x%20y",
  "/%5C",
];
const BIG_BODY = '{"x":"' + "p".repeat(600) + '"}';
const BODIES = [
  '{"qty":5}',
  '{"qty":500}',
  '{"qty":5,"qty":6}',
  "{",
  '{"tags":["vip"]}',
  '{"tags":["x","vip"]}',
  '{"tags":"vip"}',
  '{"role":"admin"}',
  '{"a":{"role":"admin"}}',
  '{"qty":1e21}',
  '{"qty":2e2}',
  "[]",
  '""',
  '{"\\u0071ty":700}',
  '{"__proto__":{"qty":900}}',
  BIG_BODY,
  BIG_BODY,
  "  ",
  "null",
];

const requestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  proxy: fc.constantFrom("alpha", "alpha", "alpha", "beta", "beta", "beta", "gamma"),
  key: fc.constantFrom<Key>("k1", "k1", "k1", "k2", "k2", "k3", "k3", "k4"),
  method: fc.constantFrom("GET", "GET", "HEAD", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
  rest: fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...COMMON_PIECES) },
        { weight: 1, arbitrary: fc.constantFrom(...PATH_PIECES) },
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((pieces) => pieces.join("")),
  query: fc.array(
    fc.tuple(
      fc.constantFrom("admin", "debug", "debug", "x", "Debug"),
      fc.constantFrom("1", "true", "0", "", "a b"),
    ),
    { maxLength: 3 },
  ),
  headers: fc.array(
    fc.tuple(
      fc.constantFrom("x-mode", "X-Mode", "x-tenant", "X-TENANT", "x-other"),
      fc.constantFrom("debug", "normal", "evil", "acme"),
    ),
    { maxLength: 3 },
  ),
  body: fc.option(fc.constantFrom(...BODIES), { nil: undefined, freq: 3 }),
  json: fc.boolean(),
});

function add(map: Record<string, string[]>, name: string, value: string): void {
  const values = map[name];
  if (values === undefined) map[name] = [value];
  else values.push(value);
}

/** The raw target and headers sent, and the `rrc eval` input for the same request. */
function prepare(r: FuzzRequest) {
  const query = [...r.query, ...(r.key === "k3" ? [["key", FUZZ_KEYS.k3] as const] : [])];
  const rawQuery = query.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&");
  const headers: string[] = [];
  for (const [name, value] of r.headers) headers.push(name, value);
  if (r.key !== "k3") headers.push("x-api-key", FUZZ_KEYS[r.key]);
  const hasBody = r.body !== undefined && r.method !== "GET" && r.method !== "HEAD";
  if (hasBody && r.json) headers.push("content-type", "application/json");
  const evalHeaders: Record<string, string[]> = {};
  for (let i = 0; i < headers.length; i += 2) add(evalHeaders, headers[i]!, headers[i + 1]!);
  const evalQuery: Record<string, string[]> = {};
  for (const [name, value] of query) add(evalQuery, name, value);
  const input: DecisionRequest = {
    proxy: r.proxy,
    credential: r.key,
    method: r.method,
    path: r.rest,
    headers: evalHeaders,
    query: evalQuery,
    body: hasBody ? r.body : undefined,
    claims: null,
  };
  return {
    path: `/${r.proxy}${r.rest}${rawQuery ? `?${rawQuery}` : ""}`,
    headers,
    body: hasBody ? r.body : undefined,
    input,
  };
}

describe("the live gateway and the bundle's decision agree", () => {
  it(`on ${REQUESTS.toLocaleString("en")} random requests (seed ${SEED}), and no refused request reaches the upstream`, async () => {
    const requests = fc.sample(requestArb, { numRuns: REQUESTS, seed: SEED });
    const pool = new Pool(gateway.url, { connections: CONCURRENCY, pipelining: 1 });
    const before = upstream.requests.length;
    const mismatches: string[] = [];
    const forwarded = new Set<string>();
    const seen = { allow: 0, codes: new Map<string, number>() };
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < requests.length; index = next++) {
        const sent = prepare(requests[index]!);
        const expected = decider.decide(sent.input);
        const response = await pool.request({
          path: sent.path,
          method: sent.input.method as "GET",
          headers: sent.headers,
          body: sent.body,
        });
        await response.body.dump();
        const code = String(response.headers["x-rrc-code"]);
        const verdict = code === "access-granted" ? "allow" : "deny";
        if (verdict === "allow") forwarded.add(String(response.headers["x-request-id"]));
        seen.codes.set(code, (seen.codes.get(code) ?? 0) + 1);
        if (
          verdict !== expected.verdict ||
          response.statusCode !== expected.status ||
          code !== expected.code
        ) {
          mismatches.push(
            `${sent.input.method} ${sent.path} ${JSON.stringify(sent.headers)} ${JSON.stringify(sent.body ?? null)}: ` +
              `live ${response.statusCode} ${code}, eval ${expected.status} ${expected.code}`,
          );
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      await pool.close();
    }
    const reached = upstream.requests.slice(before);
    const strays = reached.filter((record) => !forwarded.has(String(record.headers["x-request-id"])));
    console.log(
      `live vs eval: ${requests.length} requests (seed ${SEED}), ${mismatches.length} disagreements, ` +
        `${forwarded.size} forwarded, ${strays.length} refused requests at the upstream; codes ` +
        JSON.stringify(Object.fromEntries([...seen.codes].sort())),
    );
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(strays).toEqual([]);
    expect(reached.length).toBe(forwarded.size);
    // The vocabulary reaches every outcome that matters.
    for (const code of [
      "access-granted",
      "rule-denied",
      "default-denied",
      "unknown-proxy",
      "credential-not-accepted",
      "non-canonical-request",
      "ambiguous-request",
      "body-not-inspectable",
      "body-too-large",
    ]) {
      expect(seen.codes.get(code) ?? 0, code).toBeGreaterThan(20);
    }
  });
});
