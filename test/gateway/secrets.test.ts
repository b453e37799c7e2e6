// Upstream secrets end to end (SPEC §8): `rrc secret keygen` / `rrc secret encrypt` through
// the CLI, then `rrc serve` injecting an encrypted, a file and an env secret; the bundle
// holds only references.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { PolicyDocument } from "../../compiler/authoring/types.ts";
import { buildPolicy, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { runCli } from "../support/run-cli.ts";
import { isRunning, spawnServe } from "../support/serve-process.ts";
import { digest, KEYS } from "./policy.ts";

const dir = workspace("secrets");
let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

it("encrypts a secret with the CLI and injects encrypted, file and env secrets upstream", async () => {
  const keygen = runCli(["secret", "keygen"]);
  expect(keygen.status).toBe(0);
  const key = keygen.stdout.trim();
  expect(Buffer.from(key, "base64")).toHaveLength(32);
  const encrypted = runCli(["secret", "encrypt"], {
    input: "encrypted-upstream-key\n",
    env: { RRC_SECRET_KEY: key },
  });
  expect(encrypted.status).toBe(0);
  const reference = JSON.parse(encrypted.stdout) as { encrypted: string };
  expect(reference.encrypted).toMatch(/^rrc1:/);
  expect(encrypted.stdout).not.toContain("encrypted-upstream-key");
  expect(runCli(["secret", "encrypt"], { input: "x", env: { RRC_SECRET_KEY: "" } }).status).toBe(1);

  const secretFile = join(dir, "token.txt");
  writeFileSync(secretFile, "file-upstream-token\n");
  const policy: PolicyDocument = {
    targets: [{ id: "api", url: upstream.url }],
    targetCredentials: [
      {
        id: "several",
        target: "api",
        auth: {
          type: "headers",
          headers: [
            { name: "x-encrypted", secret: reference },
            { name: "x-from-file", secret: { file: secretFile } },
            { name: "x-from-env", secret: { env: "RRC_TEST_ENV_SECRET" } },
          ],
        },
      },
    ],
    proxyCredentials: [{ id: "reader", auth: { type: "apiKey", keys: [digest(KEYS.reader)] } }],
    proxies: [
      { id: "main", target: "api", targetCredential: "several", credentials: ["reader"], default: "allow" },
    ],
  };
  const bundle = await buildPolicy(policy, dir);
  for (const name of readdirSync(bundle)) {
    const text = readFileSync(join(bundle, name), "utf8");
    for (const secret of ["encrypted-upstream-key", "file-upstream-token", "env-upstream-secret"]) {
      expect(text).not.toContain(secret);
    }
  }
  const started = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none"], {
    RRC_SECRET_KEY: key,
    RRC_TEST_ENV_SECRET: "env-upstream-secret",
  });
  if (!isRunning(started)) throw new Error(started.stderr);
  try {
    const before = upstream.requests.length;
    const response = await request(`${started.url}/main/echo`, { headers: { "x-api-key": KEYS.reader } });
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    const seen = upstream.requests[before]!.headers;
    expect(seen["x-encrypted"]).toBe("encrypted-upstream-key");
    expect(seen["x-from-file"]).toBe("file-upstream-token");
    expect(seen["x-from-env"]).toBe("env-upstream-secret");
  } finally {
    await started.stop();
  }

  const wrongKey = await spawnServe(["--bundle", bundle, "--admin-port", "off", "--log", "none"], {
    RRC_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
    RRC_TEST_ENV_SECRET: "env-upstream-secret",
  });
  expect(isRunning(wrongKey)).toBe(false);
  if (!isRunning(wrongKey)) expect(wrongKey.stderr).toContain("[secret-undecryptable]");
});
