// JWT (jwks) authentication cost per request (SPEC §3): `Authenticator.authenticate()` with
// a real JWKS server on loopback (fetched once by warm(), as `rrc serve` does at start-up).
// "first verification" verifies a token never seen before (jose: signature and claims; each
// call gets a fresh pre-signed token); "cached" presents one token again and is answered
// from the verified-token cache, measured with the cache holding few, ~2,000 and ~9,000
// tokens. An api-key digest look-up is the baseline. `ExpiringLru.get` (the verified-token cache's
// hit, on one key again and again) is also timed on its own with 1, 2,200 and 9,000 entries.
// tinybench, one run; `npm run bench:jwt`.
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { Bench } from "tinybench";
import type { ProxyCredential } from "../compiler/authoring/types.ts";
import { Authenticator, type AuthRequest, type AuthResult } from "../runtime/authenticate/index.ts";
import { ExpiringLru } from "../runtime/authenticate/lru.ts";

const ISSUER = "https://issuer.bench/";
const ALGORITHMS = ["RS256", "ES256"] as const;
// "first verification" runs exactly FIRST_RUNS iterations after FIRST_WARMUP warm-up calls
// (minimal time budgets, so the iteration counts bind): each call needs a token of its own.
const FIRST_RUNS = 1_000;
const FIRST_WARMUP = 50;
const LARGE_CACHE = 9_000;

const pairs = new Map<string, { privateKey: CryptoKey; publicKey: CryptoKey }>();
const keys: object[] = [];
for (const alg of ALGORITHMS) {
  const pair = await generateKeyPair(alg);
  pairs.set(alg, pair);
  keys.push({ ...(await exportJWK(pair.publicKey)), kid: `${alg}-1`, alg, use: "sig" });
}
let fetches = 0;
const server = createServer((request, response) => {
  fetches++;
  if (request.url !== "/jwks") response.writeHead(404).end();
  else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;

const apiKeyDigest = `sha256:${createHash("sha256").update("bench-key").digest("hex")}` as const;
const credentials: ProxyCredential[] = [
  {
    id: "users",
    auth: { type: "jwks", jwksUri, issuer: ISSUER, audience: "api", algorithms: [...ALGORITHMS] },
  },
  { id: "service", auth: { type: "apiKey", keys: [apiKeyDigest] } },
];
const authenticator = new Authenticator(credentials, {
  resolveSecret: () => {
    throw new Error("no secrets in this benchmark");
  },
});
await authenticator.warm();

const now = Math.floor(Date.now() / 1000);
function sign(alg: string): Promise<string> {
  return new SignJWT({ sub: "user-1", jti: randomUUID(), scope: "read write" })
    .setProtectedHeader({ alg, kid: `${alg}-1` })
    .setIssuer(ISSUER)
    .setAudience("api")
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(pairs.get(alg)!.privateKey);
}
const bearer = (token: string): AuthRequest => ({
  headers: { authorization: `Bearer ${token}` },
  query: new Map(),
});
function expectOk(result: AuthResult, what: string): void {
  if (!result.ok) throw new Error(`${what}: ${result.reason}`);
}

/** Distinct tokens verified so far: what the verified-token cache holds. */
let cached = 0;
const repeated = new Map<string, AuthRequest>();
for (const alg of ALGORITHMS) {
  const request = bearer(await sign(alg));
  expectOk(await authenticator.authenticate(request), "priming the cache");
  repeated.set(alg, request);
  cached++;
}
const apiKey: AuthRequest = { headers: { "x-api-key": "bench-key" }, query: new Map() };
expectOk(await authenticator.authenticate(apiKey), "api key");

interface Row {
  readonly name: string;
  readonly entries: number | null;
  /** The entry count is exact (not one of the approximate token counts). */
  readonly exact?: boolean;
  readonly task: Bench["tasks"][number];
}
const rows: Row[] = [];

async function timeCached(): Promise<void> {
  const bench = new Bench({ time: 300, warmupTime: 50 });
  for (const [alg, request] of repeated) {
    bench.add(`${alg} cached`, () => {
      const result = authenticator.authenticate(request);
      if (result instanceof Promise || !result.ok) throw new Error("a cached token must be answered at once");
    });
  }
  await bench.run();
  for (const task of bench.tasks) rows.push({ name: task.name, entries: cached, task });
}

await timeCached();
const first = new Bench({ time: 1, iterations: FIRST_RUNS, warmupTime: 1, warmupIterations: FIRST_WARMUP });
for (const alg of ALGORITHMS) {
  const fresh: AuthRequest[] = [];
  for (let n = 0; n < FIRST_RUNS + FIRST_WARMUP + 20; n++) fresh.push(bearer(await sign(alg)));
  let next = 0;
  first.add(
    `${alg} first verification`,
    async () => {
      const request = fresh[next++];
      if (request === undefined) throw new Error("ran out of fresh tokens");
      expectOk(await authenticator.authenticate(request), "first verification");
      cached++;
    },
    { async: true },
  );
}
const baseline = new Bench({ time: 300, warmupTime: 50 });
baseline.add("api key digest look-up (baseline)", () => {
  authenticator.authenticate(apiKey);
});
await baseline.run();
rows.push({ name: baseline.tasks[0]!.name, entries: null, task: baseline.tasks[0]! });
await first.run();
for (const task of first.tasks) rows.push({ name: task.name, entries: null, task });
await timeCached();
// Fill the cache further with verified ES256 tokens, in parallel batches.
while (cached < LARGE_CACHE) {
  const batch = await Promise.all(Array.from({ length: 100 }, () => sign("ES256")));
  const results = await Promise.all(batch.map((token) => authenticator.authenticate(bearer(token))));
  for (const result of results) expectOk(result, "filling the cache");
  cached += batch.length;
}
await timeCached();

const lruBench = new Bench({ time: 300, warmupTime: 50 });
const lruSizes = [1, 2_200, LARGE_CACHE];
for (const size of lruSizes) {
  const lru = new ExpiringLru<number>(10_000);
  const keyOf = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
  for (let n = 0; n < size; n++) lru.set(keyOf(n), n, Number.POSITIVE_INFINITY, 0);
  const hot = keyOf(0);
  lruBench.add(`ExpiringLru.get hit (direct) ${size}`, () => {
    if (lru.get(hot, 0) === undefined) throw new Error("the entry must be cached");
  });
}
await lruBench.run();
lruBench.tasks.forEach((task, i) => {
  rows.push({ name: "ExpiringLru.get hit (direct)", entries: lruSizes[i]!, exact: true, task });
});

console.log(`JWT (jwks) authentication, Authenticator.authenticate(); JWKS fetched ${fetches}× in all`);
console.log("case                                 cache entries    mean µs    p50 µs    p99 µs   samples");
for (const { name, entries, exact, task } of rows) {
  const result = task.result as { latency?: { mean: number; p50?: number; p99?: number }; error?: Error };
  if (!result.latency) throw result.error ?? new Error(`${name} did not complete`);
  const us = (ms: number | undefined) => ((ms ?? Number.NaN) * 1000).toFixed(2).padStart(8);
  console.log(
    `${name.padEnd(36)} ${(entries === null ? "-" : `${exact ? "" : "~"}${entries}`).padStart(13)}  ${us(result.latency.mean)}  ` +
      `${us(result.latency.p50)}  ${us(result.latency.p99)}   ${String(task.runs).padStart(7)}`,
  );
}
authenticator.close();
server.close();
