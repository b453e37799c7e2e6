// Bundle integrity (SPEC §9): every way of damaging or tampering with a bundle is refused
// with a stable code, both when `rrc serve` starts (exit 1, `[code]` on stderr) and when a
// running gateway reloads it (SIGHUP): the running policy keeps serving and the reload is
// counted as failed.
import { createHash, generateKeyPairSync } from "node:crypto";
import { cpSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayPolicy, KEYS, UPSTREAM_TOKEN } from "../gateway/policy.ts";
import { buildPolicy, closedPort, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { runCli } from "../support/run-cli.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";

const dir = workspace("bundle-integrity");
const env = { RRC_TEST_UPSTREAM_TOKEN: UPSTREAM_TOKEN };
let upstream: RecordingUpstream;
/** A good unsigned bundle, and the same policy signed. */
let good: string;
let signedGood: string;
let signer: { privatePath: string; publicPath: string };
let stranger: { privatePath: string; publicPath: string };

const sha256 = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

type Manifest = {
  files: Record<string, string> | null;
  module: string;
  revision: string;
  schemaVersion: number;
};
const readManifest = (bundle: string) =>
  JSON.parse(readFileSync(join(bundle, "manifest.json"), "utf8")) as Manifest;
const writeManifest = (bundle: string, manifest: unknown) =>
  writeFileSync(join(bundle, "manifest.json"), JSON.stringify(manifest, null, 2));
const module = (bundle: string) => join(bundle, "decision.mjs");
/** Every file a bundle has (module format 2), signature aside. */
const BUNDLE_FILES = ["decision.mjs", "tables.json", "document.json", "flat.json", "manifest.json"];

/** Rewrites one bundle file and, when asked, its digest in the manifest (a consistent tampering). */
function rewriteFile(
  bundle: string,
  file: string,
  edit: (text: string) => string,
  updateDigest: boolean,
): void {
  const text = edit(readFileSync(join(bundle, file), "utf8"));
  writeFileSync(join(bundle, file), text);
  if (updateDigest) {
    const manifest = readManifest(bundle);
    manifest.files![file] = sha256(text);
    writeManifest(bundle, manifest);
  }
}
const rewriteModule = (bundle: string, edit: (text: string) => string, updateDigest: boolean) =>
  rewriteFile(bundle, "decision.mjs", edit, updateDigest);
/** The decision tables the module runs on: rule ids, RE2 patterns. */
const rewriteTables = (bundle: string, edit: (text: string) => string, updateDigest: boolean) =>
  rewriteFile(bundle, "tables.json", edit, updateDigest);

// The admin deny rule's pattern, as the emitted tables spell it.
const ADMIN_PATTERN = '"^/admin(/.*)?$"';
const noAdminRule = (text: string) => {
  expect(text).toContain(ADMIN_PATTERN);
  return text.replaceAll(ADMIN_PATTERN, '"^/nothing-matches-this$"');
};

/** Unsigned bundles: [name, tamper, code]. */
const UNSIGNED: [string, (bundle: string) => void, string][] = [
  [
    "tampered tables (a rule id edited)",
    (b) =>
      rewriteTables(
        b,
        (t) => {
          expect(t).toContain('"no-admin"');
          return t.replaceAll('"no-admin"', '"no-admix"');
        },
        false,
      ),
    "bundle-digest-mismatch",
  ],
  [
    "re2 pattern replaced inside tables.json",
    (b) => rewriteTables(b, noAdminRule, false),
    "bundle-digest-mismatch",
  ],
  [
    "tampered module (code appended)",
    (b) => rewriteModule(b, (t) => `${t}globalThis.tampered = true;\n`, false),
    "bundle-digest-mismatch",
  ],
  [
    "tampered document.json (a target URL edited)",
    (b) => rewriteFile(b, "document.json", (t) => t.replace('"url":"http', '"url":"hxxp'), false),
    "bundle-digest-mismatch",
  ],
  [
    "tampered flat.json (a rule id edited)",
    (b) => rewriteFile(b, "flat.json", (t) => t.replaceAll('"no-admin"', '"no-admix"'), false),
    "bundle-digest-mismatch",
  ],
  [
    "tables.json that is not JSON, digest updated",
    (b) => rewriteTables(b, (t) => t.slice(0, 100), true),
    "bundle-module-invalid",
  ],
  [
    "tables.json of another shape, digest updated",
    (b) => rewriteTables(b, () => '{"scopes":7}\n', true),
    "bundle-module-invalid",
  ],
  [
    "document.json that is an array, digest updated",
    (b) => rewriteFile(b, "document.json", () => "[]\n", true),
    "bundle-module-invalid",
  ],
  [
    "digest edited in the manifest",
    (b) => {
      const manifest = readManifest(b);
      const digest = manifest.files!["decision.mjs"]!;
      manifest.files!["decision.mjs"] = digest.slice(0, -1) + (digest.endsWith("0") ? "1" : "0");
      writeManifest(b, manifest);
    },
    "bundle-digest-mismatch",
  ],
  [
    "truncated decision.mjs",
    (b) => writeFileSync(module(b), readFileSync(module(b)).subarray(0, 1000)),
    "bundle-digest-mismatch",
  ],
  ["empty decision.mjs", (b) => writeFileSync(module(b), ""), "bundle-digest-mismatch"],
  [
    "truncated manifest.json",
    (b) => writeFileSync(join(b, "manifest.json"), readFileSync(join(b, "manifest.json")).subarray(0, 60)),
    "bundle-manifest-invalid",
  ],
  ["empty manifest.json", (b) => writeFileSync(join(b, "manifest.json"), ""), "bundle-manifest-invalid"],
  ["manifest that is an array", (b) => writeManifest(b, []), "bundle-manifest-invalid"],
  [
    "manifest whose file list is null",
    (b) => writeManifest(b, { ...readManifest(b), files: null }),
    "bundle-manifest-invalid",
  ],
  [
    "manifest whose file list is an array",
    (b) => writeManifest(b, { ...readManifest(b), files: [] }),
    "bundle-manifest-invalid",
  ],
  [
    "manifest listing ../x",
    (b) => {
      const manifest = readManifest(b);
      writeManifest(b, { ...manifest, files: { ...manifest.files, "../x": sha256("") } });
    },
    "bundle-manifest-invalid",
  ],
  [
    "manifest whose module is ../decision.mjs",
    (b) => {
      const manifest = readManifest(b);
      const digest = manifest.files!["decision.mjs"]!;
      writeManifest(b, { ...manifest, module: "../decision.mjs", files: { "../decision.mjs": digest } });
    },
    "bundle-manifest-invalid",
  ],
  [
    "manifest listing an absolute path",
    (b) => {
      const manifest = readManifest(b);
      writeManifest(b, { ...manifest, files: { ...manifest.files, "/etc/hostname": sha256("") } });
    },
    "bundle-manifest-invalid",
  ],
  [
    "manifest listing ..\\x",
    (b) => {
      const manifest = readManifest(b);
      writeManifest(b, { ...manifest, files: { ...manifest.files, "..\\x": sha256("") } });
    },
    "bundle-manifest-invalid",
  ],
  [
    "manifest listing a dot-file",
    (b) => {
      const manifest = readManifest(b);
      writeManifest(b, { ...manifest, files: { ...manifest.files, ".env": sha256("") } });
    },
    "bundle-manifest-invalid",
  ],
  [
    "manifest listing a missing file",
    (b) => {
      const manifest = readManifest(b);
      writeManifest(b, { ...manifest, files: { ...manifest.files, "extra.json": sha256("") } });
    },
    "bundle-unreadable",
  ],
  [
    "manifest not listing its module",
    (b) => writeManifest(b, { ...readManifest(b), files: {} }),
    "bundle-manifest-invalid",
  ],
  [
    "manifest not listing tables.json",
    (b) => {
      const manifest = readManifest(b);
      const { "tables.json": _, ...files } = manifest.files!;
      writeManifest(b, { ...manifest, files });
    },
    "bundle-manifest-invalid",
  ],
  [
    "manifest whose module is tables.json",
    (b) => writeManifest(b, { ...readManifest(b), module: "tables.json" }),
    "bundle-manifest-invalid",
  ],
  [
    "bundle of module format 1 (the policy inside the module)",
    (b) => writeManifest(b, { ...readManifest(b), moduleFormat: 1 }),
    "bundle-version-unsupported",
  ],
  [
    "manifest revision edited",
    (b) => writeManifest(b, { ...readManifest(b), revision: sha256("other") }),
    "bundle-module-invalid",
  ],
  [
    "unknown manifest schema version",
    (b) => writeManifest(b, { ...readManifest(b), schemaVersion: 2 }),
    "bundle-version-unsupported",
  ],
  ["decision.mjs missing", (b) => unlinkSync(module(b)), "bundle-unreadable"],
  ["flat.json missing", (b) => unlinkSync(join(b, "flat.json")), "bundle-unreadable"],
  ["manifest.json missing", (b) => unlinkSync(join(b, "manifest.json")), "bundle-unreadable"],
  [
    "module replaced, digest updated, module throws on import",
    (b) => rewriteModule(b, () => 'throw new Error("boom");\n', true),
    "bundle-module-invalid",
  ],
  [
    "module replaced, digest updated, module of another format",
    (b) => rewriteModule(b, () => "export const format = 99;\nexport const revision = 'x';\n", true),
    "bundle-version-unsupported",
  ],
];

/** Signed bundles served with --verify-key. */
const SIGNED: [string, (bundle: string) => void, string][] = [
  [
    "signature by another key",
    (b) => cpSync(join(stranger.privatePath + ".sig"), join(b, "signature")),
    "bundle-signature-invalid",
  ],
  [
    "signature that is not base64",
    (b) => writeFileSync(join(b, "signature"), "%%% not a signature %%%\n"),
    "bundle-signature-invalid",
  ],
  ["signature removed", (b) => unlinkSync(join(b, "signature")), "bundle-unsigned"],
  [
    "re2 pattern replaced with the digest updated to match",
    (b) => rewriteTables(b, noAdminRule, true),
    "bundle-signature-invalid",
  ],
  [
    "tampered tables, manifest untouched",
    (b) => rewriteTables(b, noAdminRule, false),
    "bundle-digest-mismatch",
  ],
  [
    "tampered flat.json with the digest updated to match",
    (b) => rewriteFile(b, "flat.json", (t) => t.replaceAll('"no-admin"', '"no-admix"'), true),
    "bundle-signature-invalid",
  ],
  ["manifest whitespace changed", (b) => writeManifest(b, readManifest(b)), "bundle-signature-invalid"],
];

function keyPair(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePath = join(dir, `${name}.key.pem`);
  const publicPath = join(dir, `${name}.pub.pem`);
  writeFileSync(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(publicPath, publicKey.export({ type: "spki", format: "pem" }));
  return { privatePath, publicPath };
}

/** A fresh copy of `source` with `tamper` applied. */
function tampered(source: string, name: string, tamper: (bundle: string) => void): string {
  const copy = join(dir, `copy-${name.replace(/[^a-z0-9]+/gi, "-")}`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(source, copy, { recursive: true });
  tamper(copy);
  return copy;
}

/** Restores `live` to the contents of `source`, then applies `tamper` in place. */
function tamperInPlace(live: string, source: string, tamper: (bundle: string) => void): void {
  for (const file of [...BUNDLE_FILES, "signature"]) rmSync(join(live, file), { force: true });
  cpSync(source, live, { recursive: true });
  tamper(live);
}

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  const policy = gatewayPolicy(upstream.url, `http://127.0.0.1:${await closedPort()}`);
  good = await buildPolicy(policy, dir, "good");
  signer = keyPair("signer");
  stranger = keyPair("stranger");
  signedGood = join(dir, "signed-good");
  expect(runCli(["build", `${good}-src`, "--out", signedGood, "--sign-key", signer.privatePath]).status).toBe(
    0,
  );
  // The stranger's signature over the same manifest.
  const strangerSigned = join(dir, "stranger-signed");
  expect(
    runCli(["build", `${good}-src`, "--out", strangerSigned, "--sign-key", stranger.privatePath]).status,
  ).toBe(0);
  cpSync(join(strangerSigned, "signature"), `${stranger.privatePath}.sig`);
});

afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

async function status(gateway: ServeProcess, path: string): Promise<number> {
  const response = await request(`${gateway.url}${path}`, { headers: { "x-api-key": KEYS.reader } });
  await response.body.dump();
  return response.statusCode;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function bounded<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

describe("refused at start-up", () => {
  it("serves the untampered bundles (the controls)", async () => {
    for (const args of [
      ["--bundle", good],
      ["--bundle", signedGood, "--verify-key", signer.publicPath],
    ]) {
      const started = await spawnServe([...args, "--admin-port", "off", "--log", "none"], env);
      if (!isRunning(started)) throw new Error(started.stderr);
      expect(await status(started, "/main/echo")).toBe(200);
      expect(await status(started, "/main/admin")).toBe(403);
      expect(await started.stop()).toBe(0);
    }
  });

  it(`refuses ${UNSIGNED.length + SIGNED.length} damaged or tampered bundles with exit 1 and a stable code`, async () => {
    const cases = [
      ...UNSIGNED.map(([name, tamper, code]) => ({
        name,
        code,
        source: good,
        tamper,
        verify: [] as string[],
      })),
      ...SIGNED.map(([name, tamper, code]) => ({
        name,
        code,
        source: signedGood,
        tamper,
        verify: ["--verify-key", signer.publicPath],
      })),
    ];
    const failures: string[] = [];
    await bounded(cases, 4, async ({ name, code, source, tamper, verify }) => {
      const bundle = tampered(source, name, tamper);
      const result = await spawnServe(
        ["--bundle", bundle, ...verify, "--admin-port", "off", "--log", "none"],
        env,
      );
      if (isRunning(result)) {
        failures.push(`${name}: started`);
        await result.stop();
        return;
      }
      if (result.code !== 1 || !result.stderr.includes(`[${code}]`) || result.stderr.includes("    at ")) {
        failures.push(`${name}: exit ${result.code}, ${result.stderr.trim()}`);
      }
    });
    expect(failures).toEqual([]);
  });
});

describe("refused on reload, the running policy kept", () => {
  async function reloadRefusals(
    source: string,
    cases: [string, (bundle: string) => void, string][],
    verify: string[],
  ): Promise<void> {
    const live = join(dir, `live-${verify.length ? "signed" : "unsigned"}`);
    cpSync(source, live, { recursive: true });
    const started = await spawnServe(
      ["--bundle", live, ...verify, "--admin-port", "0", "--log", "none"],
      env,
    );
    if (!isRunning(started)) throw new Error(started.stderr);
    const gateway = started;
    try {
      let failed = 0;
      for (const [name, tamper, code] of cases) {
        tamperInPlace(live, source, tamper);
        gateway.child.kill("SIGHUP");
        failed++;
        await waitFor(() => gateway.stderr().split("reload failed").length - 1 >= failed);
        const line = gateway
          .stderr()
          .split("\n")
          .filter((l) => l.includes("reload failed"))
          .at(-1)!;
        expect(line, name).toContain(`[${code}]`);
        // The old policy still decides: the admin area stays denied, the rest served.
        expect(await status(gateway, "/main/admin"), name).toBe(403);
        expect(await status(gateway, "/main/echo"), name).toBe(200);
      }
      const metrics = await (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body.text();
      expect(metrics).toMatch(new RegExp(`rrc_reloads_total\\{result="failed"\\} ${failed}\\b`));
      expect(metrics).not.toMatch(/rrc_reloads_total\{result="ok"\} [1-9]/);
      // A good bundle still reloads afterwards.
      tamperInPlace(live, source, () => undefined);
      gateway.child.kill("SIGHUP");
      await waitFor(() => gateway.stderr().includes("reloaded revision"));
      expect(await status(gateway, "/main/echo")).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  }

  it(`refuses the ${UNSIGNED.length} unsigned cases on SIGHUP and keeps serving`, async () => {
    await reloadRefusals(good, UNSIGNED, []);
  });

  it(`refuses the ${SIGNED.length} signed cases on SIGHUP with --verify-key and keeps serving`, async () => {
    await reloadRefusals(signedGood, SIGNED, ["--verify-key", signer.publicPath]);
  });
});
