import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminServer, startAdminServer } from "../../runtime/observe/admin-server.ts";
import { GatewayMetrics } from "../../runtime/observe/metrics.ts";

const MANIFEST = { version: 1, revision: "rev-1", files: { "decide.js": "sha256-abc" } };

let server: AdminServer;
let ready = false;
let manifest: () => unknown = () => MANIFEST;

beforeAll(async () => {
  const metrics = new GatewayMetrics();
  metrics.decision("billing", "ci-bot", "allow", "billing", "access-granted", "read-invoices", 4e-6);
  server = await startAdminServer({
    port: 0,
    metrics,
    manifest: () => manifest(),
    ready: () => ready,
  });
});

afterAll(async () => {
  await server.close();
});

async function get(path: string, method: "GET" | "POST" | "HEAD" = "GET") {
  const response = await request(`http://127.0.0.1:${server.port}${path}`, {
    method,
    body: method === "POST" ? "{}" : undefined,
  });
  const text = await response.body.text();
  expect(response.headers["cache-control"]).toBe("no-store");
  return { status: response.statusCode, headers: response.headers, text };
}

describe("admin server", () => {
  it("answers /healthz", async () => {
    const response = await get("/healthz");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(response.text)).toEqual({ status: "ok" });
  });

  it("answers /readyz with the host's readiness", async () => {
    ready = false;
    const before = await get("/readyz");
    expect([before.status, JSON.parse(before.text)]).toEqual([503, { status: "not-ready" }]);
    ready = true;
    const after = await get("/readyz");
    expect([after.status, JSON.parse(after.text)]).toEqual([200, { status: "ready" }]);
  });

  it("serves Prometheus text on /metrics", async () => {
    const response = await get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain("# TYPE rrc_decisions_total counter");
    expect(response.text).toContain(
      'rrc_rule_hits_total{proxy="billing",scope="billing",rule="read-invoices"} 1',
    );
  });

  it("serves the loaded manifest, and 503 while none is loaded", async () => {
    const response = await get("/manifest");
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual(MANIFEST);
    manifest = () => undefined;
    try {
      const missing = await get("/manifest");
      expect([missing.status, JSON.parse(missing.text).code]).toEqual([503, "no-manifest"]);
    } finally {
      manifest = () => MANIFEST;
    }
  });

  it("ignores the query string", async () => {
    expect((await get("/healthz?verbose=1")).status).toBe(200);
  });

  it.each(["/", "/nope", "/healthz/", "/metrics.json", "//healthz"])(
    "answers %s with a 404 problem",
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect(JSON.parse(response.text)).toEqual({
        type: "about:blank",
        title: "Not Found",
        status: 404,
        code: "not-found",
      });
    },
  );

  it.each(["POST", "HEAD"] as const)("answers %s on a known route with 405", async (method) => {
    const response = await get("/healthz", method);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET");
    if (method === "POST") expect(JSON.parse(response.text).code).toBe("method-not-allowed");
  });

  it("answers 500 when the host's manifest() throws, and keeps serving", async () => {
    manifest = () => {
      throw new Error("boom");
    };
    try {
      const response = await get("/manifest");
      expect([response.status, JSON.parse(response.text).code]).toEqual([500, "internal-error"]);
    } finally {
      manifest = () => MANIFEST;
    }
    expect((await get("/healthz")).status).toBe(200);
  });
});

describe("startAdminServer", () => {
  it("rejects when the port is taken, and close() frees it", async () => {
    const metrics = new GatewayMetrics();
    const options = { port: 0, metrics, manifest: () => MANIFEST, ready: () => true };
    const first = await startAdminServer(options);
    await expect(startAdminServer({ ...options, port: first.port })).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
    await first.close();
    const again = await startAdminServer({ ...options, port: first.port });
    await again.close();
  });
});
