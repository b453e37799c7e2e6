// Bundle loading, reload and shutdown of a real `rrc serve` process: signatures,
// refused bundles, missing secrets, a reload under load with zero failed requests, a
// failed reload that keeps the running policy, and a drain on SIGTERM.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPolicy, closedPort, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { runCli } from "../support/run-cli.ts";
import { isRunning, spawnServe } from "../support/serve-process.ts";
import { gatewayPolicy, KEYS, UPSTREAM_TOKEN } from "./policy.ts";

const dir = workspace("lifecycle");
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

function keyPair(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePath = join(dir, `${name}.key.pem`);
  const publicPath = join(dir, `${name}.pub.pem`);
  writeFileSync(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(publicPath, publicKey.export({ type: "spki", format: "pem" }));
  return { privatePath, publicPath };
}

async function get(url: string, headers: Record<string, string> = { "x-api-key": KEYS.reader }) {
  const response = await request(url, { headers });
  await response.body.dump();
  return response.statusCode;
}

describe("bundle verification at start-up", () => {
  it("serves a bundle signed with the matching key, refuses unsigned, wrongly signed and tampered ones", async () => {
    const signer = keyPair("signer");
    const stranger = keyPair("stranger");
    const unsigned = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "unsigned");
    // Reuse the policy written for the unsigned build; sign through the CLI.
    const signed = join(dir, "signed");
    expect(
      runCli(["build", `${unsigned}-src`, "--out", signed, "--sign-key", signer.privatePath]).status,
    ).toBe(0);
    expect(readFileSync(join(signed, "signature"), "utf8")).toMatch(/^[A-Za-z0-9+/=]+\n$/);

    const good = await spawnServe(
      ["--bundle", signed, "--admin-port", "off", "--log", "none", "--verify-key", signer.publicPath],
      env,
    );
    expect(isRunning(good)).toBe(true);
    if (isRunning(good)) {
      expect(await get(`${good.url}/main/echo`)).toBe(200);
      expect(await good.stop()).toBe(0);
    }

    const refusals: [string[], string][] = [
      [["--bundle", unsigned, "--verify-key", signer.publicPath], "bundle-unsigned"],
      [["--bundle", signed, "--verify-key", stranger.publicPath], "bundle-signature-invalid"],
    ];
    for (const [args, code] of refusals) {
      const result = await spawnServe([...args, "--admin-port", "off", "--log", "none"], env);
      expect(isRunning(result)).toBe(false);
      if (!isRunning(result)) {
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`[${code}]`);
      }
    }

    const tampered = join(dir, "tampered");
    expect(runCli(["build", `${unsigned}-src`, "--out", tampered]).status).toBe(0);
    const tables = join(tampered, "tables.json");
    const text = readFileSync(tables, "utf8");
    expect(text).toContain('"no-admin"');
    writeFileSync(tables, text.replace('"no-admin"', '"no-admix"'));
    const result = await spawnServe(["--bundle", tampered, "--admin-port", "off", "--log", "none"], env);
    expect(isRunning(result)).toBe(false);
    if (!isRunning(result)) expect(result.stderr).toContain("[bundle-digest-mismatch]");
  });

  it("refuses to start when a secret is missing, naming the variable", async () => {
    const bundle = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "no-secret");
    const result = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none"], {
      RRC_TEST_UPSTREAM_TOKEN: "",
    });
    expect(isRunning(result)).toBe(false);
    if (!isRunning(result)) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("[secret-missing]");
      expect(result.stderr).toContain("RRC_TEST_UPSTREAM_TOKEN");
    }
  });
});

describe("reload", () => {
  it("swaps bundles under load with zero failed requests, and keeps the policy when a reload fails", async () => {
    const first = gatewayPolicy(upstream.url, deadUrl);
    const bundle = await buildPolicy(first, dir, "live");
    const started = await spawnServe(["--bundle", bundle, "--admin-port", "0", "--log", "none"], env);
    if (!isRunning(started)) throw new Error(started.stderr);
    const gateway = started;
    try {
      // The second policy also denies /echo/legacy; everything else stays allowed.
      const second = gatewayPolicy(upstream.url, deadUrl, [
        { id: "no-legacy", effect: "deny", priority: 1000, path: "^/echo/legacy$" },
      ]);
      expect(await get(`${gateway.url}/main/echo/legacy`)).toBe(200);

      const statuses = new Map<number, number>();
      let running = true;
      const worker = async () => {
        while (running) {
          const status = await get(`${gateway.url}/main/echo/load`).catch(() => -1);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await buildPolicy(second, dir, "live");
      gateway.child.kill("SIGHUP");
      await waitFor(() => gateway.stderr().includes("reloaded revision"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      running = false;
      await Promise.all(workers);
      expect([...statuses.keys()]).toEqual([200]);
      expect(statuses.get(200)).toBeGreaterThan(50);
      expect(await get(`${gateway.url}/main/echo/legacy`)).toBe(403);

      // A broken bundle: the reload fails and the second policy keeps serving.
      writeFileSync(join(bundle, "manifest.json"), "{ not json");
      gateway.child.kill("SIGHUP");
      await waitFor(() => gateway.stderr().includes("reload failed"));
      expect(gateway.stderr()).toContain("bundle-manifest-invalid");
      expect(await get(`${gateway.url}/main/echo/legacy`)).toBe(403);
      expect(await get(`${gateway.url}/main/echo/other`)).toBe(200);
      const metrics = await (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
      expect(metrics).toContain('rrc_reloads_total{result="ok"} 1');
      expect(metrics).toContain('rrc_reloads_total{result="failed"} 1');
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it("reloads by itself with --watch", async () => {
    const bundle = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "watched");
    const started = await spawnServe(
      ["--bundle", bundle, "--admin-port", "off", "--log", "none", "--watch"],
      env,
    );
    if (!isRunning(started)) throw new Error(started.stderr);
    try {
      expect(await get(`${started.url}/main/echo/watched`)).toBe(200);
      const next = gatewayPolicy(upstream.url, deadUrl, [
        { id: "no-watched", effect: "deny", priority: 1000, path: "^/echo/watched$" },
      ]);
      await buildPolicy(next, dir, "watched");
      await waitFor(() => started.stderr().includes("reloaded revision"));
      expect(await get(`${started.url}/main/echo/watched`)).toBe(403);
    } finally {
      await started.stop();
    }
  });
});

describe("shutdown", () => {
  it("drains an in-flight request on SIGTERM, then exits 0", async () => {
    const bundle = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir, "drain");
    const started = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none"], env);
    if (!isRunning(started)) throw new Error(started.stderr);
    const slow = request(`${started.url}/main/slow/800`, { headers: { "x-api-key": KEYS.reader } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = started.stop();
    const response = await slow;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ slow: true });
    expect(await exit).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
