// `rrc serve --shadow-bundle`: a candidate bundle decides every authenticated request beside
// the enforced one, never changes what happens, logs and counts each disagreement, reloads
// with the main bundle on SIGHUP, and is verified like it.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument, Rule } from "../../compiler/authoring/types.ts";
import { decisionRecordSchema } from "../../runtime/observe/decision-log.ts";
import { gatewayPolicy, KEYS, UPSTREAM_TOKEN } from "../gateway/policy.ts";
import { buildPolicy, closedPort, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { runCli } from "../support/run-cli.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";

const validate = new Ajv2020Module.default({ strict: true }).compile(decisionRecordSchema);
const dir = workspace("shadow");
const env = { RRC_TEST_UPSTREAM_TOKEN: UPSTREAM_TOKEN };
let upstream: RecordingUpstream;
let deadUrl: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  deadUrl = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The enforced policy with the main proxy's rules changed by `change`. */
function variant(change: (rules: readonly Rule[]) => Rule[]): PolicyDocument {
  const policy = gatewayPolicy(upstream.url, deadUrl);
  const [main, ...others] = policy.proxies!;
  return { ...policy, proxies: [{ ...main!, rules: change(main!.rules ?? []) }, ...others] };
}

/** The candidate: denies /echo/legacy, lets readers POST /echo, denies amounts from 3 digits, and
 * inspects the body of POST /echo/form (which the enforced policy never reads). */
const candidate = () =>
  variant((rules) => [
    ...rules
      .filter((rule) => rule.id !== "big-amounts")
      .map((rule) => (rule.id === "write" ? { ...rule, credentials: ["writer", "reader"] } : rule)),
    { id: "no-legacy", effect: "deny", priority: 1000, path: "^/echo/legacy$" },
    {
      id: "big-amounts",
      effect: "deny",
      methods: ["POST"],
      path: "^/echo$",
      body: [{ path: "$.amount", value: "^[0-9]{3,}$" }],
    },
    {
      id: "form-check",
      effect: "deny",
      methods: ["POST"],
      path: "^/echo/form$",
      body: [{ path: "$.x", value: "^1$" }],
    },
  ]);

async function send(gateway: ServeProcess, path: string, key: string | null, method = "GET", body?: string) {
  const response = await request(`${gateway.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { "x-api-key": key }),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body,
  });
  await response.body.dump();
  return { status: response.statusCode, id: String(response.headers["x-request-id"]) };
}

async function metrics(gateway: ServeProcess): Promise<string> {
  return (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
}

function records(path: string): Map<string, Record<string, unknown>> {
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
  for (const line of lines) expect(validate(JSON.parse(line)), line).toBe(true);
  return new Map(lines.map((line) => JSON.parse(line)).map((record) => [record.requestId, record]));
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("rrc serve --shadow-bundle", () => {
  it("enforces the main bundle, logs and counts every disagreement, and reloads both on SIGHUP", async () => {
    const main = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "main");
    const shadow = await buildPolicy(candidate(), dir, "candidate");
    const log = join(dir, "shadow.jsonl");
    const started = await spawnServe(
      ["--bundle", main, "--shadow-bundle", shadow, "--admin-port", "0", "--log", `file:${log}`],
      env,
    );
    if (!isRunning(started)) throw new Error(started.stderr);
    const gateway = started;
    try {
      expect(gateway.stderr()).toMatch(/shadow revision sha256:[0-9a-f]{64} \(compared, not enforced\)/);
      const legacy = await send(gateway, "/main/echo/legacy", KEYS.reader);
      const same = await send(gateway, "/main/echo/same", KEYS.reader);
      const readerPost = await send(gateway, "/main/echo", KEYS.reader, "POST", '{"amount":5}');
      const amount = await send(gateway, "/main/echo", KEYS.writer, "POST", '{"amount":500}');
      const form = await send(gateway, "/main/echo/form", KEYS.writer, "POST", '{"x":"1"}');
      const admin = await send(gateway, "/main/admin", KEYS.reader);
      const anonymous = await send(gateway, "/main/echo/legacy", null);
      const unknown = await send(gateway, "/nope/echo/legacy", KEYS.reader);

      // What happened is what the enforced bundle decided.
      expect(
        [legacy, same, readerPost, amount, form, admin, anonymous, unknown].map((r) => r.status),
      ).toEqual([200, 200, 403, 200, 403, 403, 401, 404]);
      expect(upstream.requests.filter((seen) => seen.url === "/echo/legacy")).toHaveLength(1);
      expect(upstream.requests.some((seen) => seen.method === "POST" && seen.body === '{"amount":5}')).toBe(
        false,
      );

      await waitFor(() => existsSync(log) && readFileSync(log, "utf8").split("\n").length > 8, "the records");
      const seen = records(log);
      expect(seen.get(legacy.id)?.shadow).toEqual({
        verdict: "deny",
        code: "rule-denied",
        scope: "proxy",
        rule: "no-legacy",
      });
      expect(seen.get(legacy.id)).toMatchObject({ verdict: "allow", status: 200, rule: "read" });
      expect(seen.get(readerPost.id)?.shadow).toEqual({
        verdict: "allow",
        code: "access-granted",
        scope: "proxy",
        rule: "write",
      });
      // The enforced decision read the body (a body rule could apply): the shadow decides on it too.
      expect(seen.get(amount.id)?.shadow).toMatchObject({ verdict: "deny", rule: "big-amounts" });
      for (const agreed of [same, admin, anonymous, unknown, form])
        expect(seen.get(agreed.id)).not.toHaveProperty("shadow");

      const text = await metrics(gateway);
      const count = (labels: string) => Number(new RegExp(`^${labels} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
      expect(count('rrc_shadow_disagreements_total\\{proxy="main",enforced="allow",shadow="deny"\\}')).toBe(
        2,
      );
      expect(count('rrc_shadow_disagreements_total\\{proxy="main",enforced="deny",shadow="allow"\\}')).toBe(
        1,
      );
      expect(count('rrc_shadow_decisions_total\\{proxy="main",outcome="agree"\\}')).toBe(2);
      expect(count('rrc_shadow_decisions_total\\{proxy="main",outcome="disagree"\\}')).toBe(3);
      // The enforced policy never read /echo/form's body, so the shadow cannot decide it.
      expect(count('rrc_shadow_decisions_total\\{proxy="main",outcome="undecided"\\}')).toBe(1);

      // A new candidate without `no-legacy`: after SIGHUP the two agree on /echo/legacy.
      const before = /rrc_shadow_bundle_info\{revision="([^"]+)"\} 1/.exec(text)?.[1];
      await buildPolicy(
        variant((rules) => [...rules]),
        dir,
        "candidate",
      );
      gateway.child.kill("SIGHUP");
      await waitFor(() => gateway.stderr().includes("reloaded revision"), "the reload");
      const again = await send(gateway, "/main/echo/legacy", KEYS.reader);
      const after = await metrics(gateway);
      expect(/rrc_shadow_bundle_info\{revision="([^"]+)"\} 1/.exec(after)?.[1]).not.toBe(before);
      await waitFor(() => records(log).has(again.id), "the record after the reload");
      expect(records(log).get(again.id)).not.toHaveProperty("shadow");
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it("keeps both bundles when the shadow bundle fails to reload", async () => {
    const main = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "main-2");
    const shadow = await buildPolicy(candidate(), dir, "candidate-2");
    const started = await spawnServe(
      ["--bundle", main, "--shadow-bundle", shadow, "--admin-port", "0", "--log", "none"],
      env,
    );
    if (!isRunning(started)) throw new Error(started.stderr);
    try {
      writeFileSync(join(shadow, "manifest.json"), "{ broken");
      started.child.kill("SIGHUP");
      await waitFor(() => started.stderr().includes("reload failed"), "the failed reload");
      expect(started.stderr()).toContain("bundle-manifest-invalid");
      expect((await send(started, "/main/echo/legacy", KEYS.reader)).status).toBe(200);
      expect(await metrics(started)).toContain('rrc_reloads_total{result="failed"} 1');
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });

  it("refuses a shadow bundle that fails verification, as it would the main one", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const keyPath = join(dir, "signer.pem");
    const pubPath = join(dir, "signer.pub.pem");
    writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(pubPath, publicKey.export({ type: "spki", format: "pem" }));
    const unsigned = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "unsigned");
    const signed = join(dir, "signed");
    expect(runCli(["build", `${unsigned}-src`, "--out", signed, "--sign-key", keyPath]).status).toBe(0);

    const args = ["--admin-port", "off", "--log", "none", "--verify-key", pubPath];
    const refusedUnsigned = await spawnServe(["--bundle", signed, "--shadow-bundle", unsigned, ...args], env);
    expect(isRunning(refusedUnsigned)).toBe(false);
    if (!isRunning(refusedUnsigned)) expect(refusedUnsigned.stderr).toContain("[bundle-unsigned]");

    const tampered = await buildPolicy(candidate(), dir, "tampered");
    const tables = join(tampered, "tables.json");
    const text = readFileSync(tables, "utf8");
    expect(text).toContain('"no-legacy"');
    writeFileSync(tables, text.replace('"no-legacy"', '"no-legacx"'));
    const refusedTampered = await spawnServe(
      ["--bundle", unsigned, "--shadow-bundle", tampered, "--admin-port", "off", "--log", "none"],
      env,
    );
    expect(isRunning(refusedTampered)).toBe(false);
    if (!isRunning(refusedTampered)) expect(refusedTampered.stderr).toContain("[bundle-digest-mismatch]");
  });

  it("adds nothing when no shadow bundle is given", async () => {
    const main = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "plain");
    const log = join(dir, "plain.jsonl");
    const started = await spawnServe(["--bundle", main, "--admin-port", "0", "--log", `file:${log}`], env);
    if (!isRunning(started)) throw new Error(started.stderr);
    try {
      await send(started, "/main/echo/legacy", KEYS.reader);
      expect(await metrics(started)).not.toContain("rrc_shadow_");
    } finally {
      expect(await started.stop()).toBe(0);
    }
    for (const record of records(log).values()) expect(record).not.toHaveProperty("shadow");
  });
});
