// Bypass attempts against a real `rrc serve` in front of an upstream that reads requests
// as lenient frameworks do (./support/framework-upstream.ts). Every row of
// ./support/bypass-attempts.ts is sent over a raw socket; then
//  - a request the gateway refused must not have reached the upstream at all, and
//  - a request it forwarded is judged again by the same bundle, on what the upstream made
//    of it (its method, path, query, headers and body): that reading must be allowed too.
// The second check is what finds bypasses: a path, method or field the gateway read one
// way and the upstream another.
import { createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../runtime/authenticate/index.ts";
import { loadBundle } from "../../runtime/bundle/load.ts";
import type { Decider } from "../../runtime/decision/engine.ts";
import { type JwksServer, startJwksServer } from "../support/auth-servers.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";
import { ATTEMPTS, type Attempt, type Tokens } from "./support/bypass-attempts.ts";
import {
  type FrameworkUpstream,
  type Interpretation,
  LENIENT,
  startFrameworkUpstream,
} from "./support/framework-upstream.ts";
import { algNone, nowSeconds, signHs256, signRs256 } from "./support/jwt.ts";
import {
  AUDIENCE,
  adversarialPolicy,
  BASIC_PASSWORD,
  ENV,
  HS_ISSUER,
  HS_SECRET,
  ISSUER,
} from "./support/policy.ts";
import { exchange } from "./support/raw-http.ts";

const dir = workspace("bypass");
let upstream: FrameworkUpstream;
let jwks: JwksServer;
let gateway: ServeProcess;
let decider: Decider;
let tokens: Tokens;
let jwksCallsAtStart = 0;

interface Outcome {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly granted: boolean;
  readonly requestId: string | undefined;
  /** Requests the upstream received during this attempt. */
  readonly reached: number;
}
const outcomes: Outcome[] = [];
/** Forwarded requests whose upstream reading the policy denies. */
const bypasses: string[] = [];

beforeAll(async () => {
  upstream = await startFrameworkUpstream(LENIENT);
  jwks = await startJwksServer(ISSUER, AUDIENCE);
  const bundle = await buildPolicy(
    adversarialPolicy(upstream.url, jwks.jwksUri, await hashPassword(BASIC_PASSWORD)),
    dir,
  );
  decider = (await loadBundle(bundle)).decider;
  tokens = await makeTokens(jwks);
  const started = await spawnServe(
    ["--bundle", bundle, "--admin-port", "off", "--log", "none", "--jwks-cooldown", "60000"],
    ENV,
  );
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  gateway = started;
  jwksCallsAtStart = jwks.calls;
});

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  await jwks?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The policy's verdict on the request as the upstream understood it. */
function judge(seen: Interpretation, as: NonNullable<Attempt["as"]>) {
  return decider.decide({
    proxy: as.proxy,
    credential: as.credential,
    method: seen.method,
    path: seen.path,
    headers: seen.headers,
    query: seen.query,
    body: seen.body === undefined ? undefined : JSON.stringify(seen.body),
    claims: null,
  });
}

describe("bypass attempts", () => {
  it("has at least 80 distinct, named techniques", () => {
    expect(new Set(ATTEMPTS.map((attempt) => attempt.name)).size).toBe(ATTEMPTS.length);
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(80);
  });

  it.each(ATTEMPTS.map((attempt) => [attempt.name, attempt] as const))("%s", async (name, attempt) => {
    for (let round = 0; round < (attempt.repeat ?? 1); round++) {
      const before = upstream.records.length;
      const result = await exchange(gateway.port, attempt.send(tokens), {
        head: attempt.head ?? false,
        responses: 1,
      });
      const response = result.responses[0];
      const reached = upstream.records.slice(before);
      const code = response?.headers["x-rrc-code"] ?? "";
      const granted = code === "access-granted";
      const requestId = response?.headers["x-request-id"];
      outcomes.push({
        name,
        status: response?.status ?? 0,
        code,
        granted,
        requestId,
        reached: reached.length,
      });
      if (granted) {
        expect(reached.map((record) => record.requestId)).toEqual([requestId]);
        const seen = reached[0]!.seen;
        const verdict = judge(seen, attempt.as ?? { proxy: "app", credential: "reader" });
        if (verdict.verdict !== "allow" || seen.route === "admin") {
          bypasses.push(
            `${name}: upstream saw ${seen.method} ${seen.path} (${verdict.code} ${verdict.rule})`,
          );
        }
        expect(verdict.verdict, `upstream read ${seen.method} ${seen.path}`).toBe("allow");
        expect(seen.route).not.toBe("admin");
      } else {
        expect(reached, "a refused request reached the upstream").toEqual([]);
      }
      if (attempt.expect === "deny") {
        expect(granted, `forwarded with status ${response?.status}`).toBe(false);
        if (attempt.code) expect(code).toBe(attempt.code);
      } else if (attempt.expect === "allow") {
        expect(response?.status).toBe(200);
        expect(granted).toBe(true);
      }
    }
  });

  it("reports the figure: no refused request ever reached the upstream", async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A request the upstream got late (smuggled, retried) must still belong to a forwarded one.
    const forwarded = new Set(outcomes.filter((o) => o.granted).map((o) => o.requestId));
    const stray = upstream.records.filter((record) => !record.requestId || !forwarded.has(record.requestId));
    const leaked = outcomes.filter((o) => !o.granted && o.reached > 0).length + stray.length;
    const denied = outcomes.filter((o) => !o.granted).length;
    console.log(
      `attempts made: ${outcomes.length}, denied requests that reached the upstream: ${leaked}` +
        ` (${ATTEMPTS.length} techniques, ${denied} requests denied, ${outcomes.length - denied} forwarded, ` +
        `${bypasses.length} forwarded requests the upstream read as something denied)`,
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(80);
    expect(leaked).toBe(0);
    expect(bypasses).toEqual([]);
    // Unknown `kid`s refetch the JWKS at most once per cool-down (60 s here).
    expect(jwks.calls - jwksCallsAtStart).toBeLessThanOrEqual(1);
  });
});

async function makeTokens(server: JwksServer): Promise<Tokens> {
  const document = (await (await request(server.jwksUri)).body.json()) as { keys: Record<string, string>[] };
  const jwk = document.keys[0]!;
  const publicPem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" });
  const attacker: KeyObject = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const claims = (issuer: string) => ({
    iss: issuer,
    aud: AUDIENCE,
    sub: "mallory",
    exp: nowSeconds() + 300,
  });
  const valid = await server.sign({ sub: "user" });
  const [header, , signature] = valid.split(".");
  const swapped = Buffer.from(JSON.stringify({ ...claims(ISSUER), sub: "admin" })).toString("base64url");
  return {
    valid,
    validHs: signHs256({ typ: "JWT" }, claims(HS_ISSUER), HS_SECRET),
    algNone: algNone(claims(ISSUER)),
    algNoneUpper: algNone(claims(ISSUER), "NONE"),
    hsWithPublicPem: signHs256({ kid: jwk.kid }, claims(ISSUER), String(publicPem)),
    hsWithPublicJwk: signHs256({ kid: jwk.kid }, claims(ISSUER), JSON.stringify(jwk)),
    rsForHsIssuer: signRs256({ kid: "attacker" }, claims(HS_ISSUER), attacker),
    hsWrongSecret: signHs256({}, claims(HS_ISSUER), "not-the-shared-secret-not-the-shared-secret"),
    expired: await server.sign({ sub: "user" }, { expiresIn: nowSeconds() - 3600 }),
    wrongAudience: await server.sign({ sub: "user" }, { audience: "someone-else" }),
    wrongIssuer: await server.sign({ sub: "user" }, { issuer: "https://evil.test" }),
    notYetValid: await server.sign({ sub: "user", nbf: nowSeconds() + 3600 }),
    sameKidOtherKey: signRs256({ kid: jwk.kid }, claims(ISSUER), attacker),
    jkuAttacker: signRs256(
      { kid: "attacker-1", jku: "http://127.0.0.1:1/jwks.json" },
      claims(ISSUER),
      attacker,
    ),
    kidTraversal: signRs256({ kid: "../../../../dev/null" }, claims(ISSUER), attacker),
    unknownCrit: signHs256({ crit: ["x-rrc-test"], "x-rrc-test": 1 }, claims(HS_ISSUER), HS_SECRET),
    tamperedPayload: `${header}.${swapped}.${signature}`,
    strippedSignature: `${header}.${valid.split(".")[1]}.`,
    unknownKid: () => signRs256({ kid: `kid-${randomUUID()}` }, claims(ISSUER), attacker),
  };
}
