// The live dashboard in a real browser: a real `rrc serve`, the page on its admin port in
// headless Chromium (Debian's, never downloaded), traffic through the gateway, and the DOM
// checked for the new decisions, the counts and the access matrix. A screenshot is kept as
// evidence in test/dashboard/artifacts/dashboard.png.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayPolicy, KEYS, UPSTREAM_TOKEN } from "../gateway/policy.ts";
import { buildPolicy, closedPort, workspace } from "../support/gateway-setup.ts";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.ts";
import { isRunning, type ServeProcess, spawnServe } from "../support/serve-process.ts";

const CHROMIUM = "/usr/bin/chromium";
// Running as root in a container: no sandbox, no GPU, and nothing that reaches the network.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ARTIFACT = join(import.meta.dirname, "artifacts", "dashboard.png");

const dir = workspace("dashboard");
const profile = mkdtempSync(join(tmpdir(), "rrc-chromium-profile-"));
let upstream: RecordingUpstream;
let gateway: ServeProcess;
let browser: BrowserContext;
let page: Page;
let bundle: string;
let deadUrl: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  deadUrl = `http://127.0.0.1:${await closedPort()}`;
  bundle = await buildPolicy(gatewayPolicy(upstream.url, deadUrl), dir);
  const started = await spawnServe(["--bundle", bundle, "--admin-port", "0", "--log", "none"], {
    RRC_TEST_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
  });
  if (!isRunning(started)) throw new Error(`rrc serve did not start: ${started.stderr}`);
  gateway = started;
  // A persistent context is how Playwright takes an explicit, fresh --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1180, height: 820 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

async function send(path: string, key: string | null, method = "GET"): Promise<number> {
  const response = await request(`${gateway.url}${path}`, {
    method,
    headers: key === null ? {} : { "x-api-key": key },
  });
  await response.body.dump();
  return response.statusCode;
}

/** The decisions table, newest first, as objects keyed by column class. */
async function rows() {
  return page.$$eval("#decisions tbody tr", (trs) =>
    trs.map((tr) => ({
      verdict: tr.getAttribute("data-verdict"),
      credential: tr.querySelector(".credential")?.textContent,
      proxy: tr.querySelector(".proxy")?.textContent,
      method: tr.querySelector(".method")?.textContent,
      path: tr.querySelector(".path")?.textContent,
      rule: tr.querySelector(".rule")?.textContent,
      status: tr.querySelector(".status")?.textContent,
      latency: tr.querySelector(".latency")?.textContent,
    })),
  );
}

function cell(credential: string, proxy: string) {
  return page.locator(`#matrix td[data-credential="${credential}"][data-proxy="${proxy}"]`);
}

describe("GET /dashboard", () => {
  it("is one self-contained page under a strict Content-Security-Policy", async () => {
    const response = await request(`http://127.0.0.1:${gateway.adminPort}/dashboard`);
    const html = await response.body.text();
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["content-security-policy"]).toMatch(/default-src 'none'; script-src 'sha256-/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/); // no external assets
  });

  it("shows decisions as they happen, the counts and the access matrix", async () => {
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${gateway.adminPort}/dashboard`);
    await page.locator("#status.live").waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator("#revision").getAttribute("title")).toMatch(/^sha256:/);

    expect(await send("/main/echo/dashboard", KEYS.reader)).toBe(200);
    expect(await send("/main/admin/users", KEYS.reader)).toBe(403);
    expect(await send("/main/echo", KEYS.writer, "POST")).toBe(200);
    expect(await send("/main/echo/dashboard", null)).toBe(401);

    await expect.poll(async () => (await rows()).length, { timeout: 10_000 }).toBe(4);
    const [anonymous, write, admin, read] = await rows();
    expect(read).toMatchObject({
      verdict: "allow",
      credential: "reader",
      proxy: "main",
      method: "GET",
      path: "/echo/dashboard",
      rule: "read",
      status: "200 access-granted",
    });
    expect(read!.latency).toMatch(/^\d+\.\d µs$/);
    expect(admin).toMatchObject({
      verdict: "deny",
      credential: "reader",
      rule: "no-admin",
      status: "403 rule-denied",
    });
    expect(write).toMatchObject({ verdict: "allow", credential: "writer", method: "POST", rule: "write" });
    expect(anonymous).toMatchObject({
      verdict: "deny",
      credential: "—",
      rule: "—",
      status: "401 unauthenticated",
    });

    expect(await page.locator("#allowed").textContent()).toBe("2");
    expect(await page.locator("#denied").textContent()).toBe("2");
    expect(await page.locator("#avg-latency").textContent()).toMatch(/^\d+\.\d µs$/);

    // The matrix of the loaded bundle: allow rules per credential and proxy.
    expect(await cell("reader", "main").textContent()).toBe("read");
    expect(await cell("writer", "main").textContent()).toBe("read, write");
    expect(await cell("reader", "down").textContent()).toBe("any (defaults)");
    expect(await cell("outsider", "main").textContent()).toBe("—");
    expect(await cell("writer", "main").getAttribute("title")).toContain("POST");

    const shot = join(dir, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    mkdirSync(join(import.meta.dirname, "artifacts"), { recursive: true });
    copyFileSync(shot, ARTIFACT);
    expect(statSync(ARTIFACT).size).toBeLessThan(300_000);
    expect(errors).toEqual([]);
  });

  it("follows a reload: the new bundle's matrix replaces the old one", async () => {
    await buildPolicy(
      gatewayPolicy(upstream.url, deadUrl, [
        { id: "reports", effect: "allow", methods: ["GET"], path: "^/reports$" },
      ]),
      dir,
    );
    gateway.child.kill("SIGHUP");
    await expect.poll(() => cell("reader", "main").textContent(), { timeout: 10_000 }).toBe("read, reports");
    expect(await send("/main/reports", KEYS.reader)).toBe(200);
    await expect.poll(async () => (await rows())[0]?.rule, { timeout: 10_000 }).toBe("reports");
    expect(await page.locator("#allowed").textContent()).toBe("3");
  });

  it("starts a newly opened page with the recent decisions", async () => {
    const second = await browser.newPage();
    try {
      await second.goto(`http://127.0.0.1:${gateway.adminPort}/dashboard`);
      await expect.poll(() => second.locator("#decisions tbody tr").count(), { timeout: 10_000 }).toBe(5);
      expect(await second.locator("#denied").textContent()).toBe("2");
    } finally {
      await second.close();
    }
  });
});
