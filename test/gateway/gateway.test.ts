// `rrc serve` as a real process in front of a real recording upstream: every status code
// the gateway produces (SPEC §12), what reaches the upstream and what never does.
import { readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspace } from "../support/gateway-setup.ts";
import { CARD_DOCUMENT, type RecordingUpstream } from "../support/recording-upstream.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { startGatewayFixture } from "./fixture.ts";
import { KEYS, UPSTREAM_TOKEN } from "./policy.ts";

const dir = workspace("gateway");
const logFile = join(dir, "decisions.jsonl");
let upstream: RecordingUpstream;
let gateway: ServeProcess;

beforeAll(async () => {
  ({ upstream, gateway } = await startGatewayFixture(dir, [
    "--admin-port",
    "0",
    "--log",
    `file:${logFile}`,
    "--upstream-timeout",
    "1000",
    "--filter-limit",
    "50000",
  ]));
});

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

async function send(
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<Sent> {
  const response = await request(`${gateway.url}${path}`, {
    method: (options.method ?? "GET") as "GET",
    headers: options.headers,
    body: options.body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

const reader = { "x-api-key": KEYS.reader };

/** Sends raw bytes and resolves with the raw response once the server closes. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(gateway.port, "127.0.0.1", () => socket.write(text));
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
}

/** Runs `action` and returns what the upstream received meanwhile. */
async function upstreamSaw(action: () => Promise<unknown>) {
  const before = upstream.requests.length;
  await action();
  return upstream.requests.slice(before);
}

describe("allowed requests", () => {
  it("forward the canonical path with the upstream secret injected and the caller's key stripped", async () => {
    let response!: Sent;
    const seen = await upstreamSaw(async () => {
      response = await send("/main/echo/a/./b//c/%7Ex?x=1", { headers: { ...reader, "x-tenant": "acme" } });
    });
    expect(response.status).toBe(200);
    expect(response.headers["x-rrc-code"]).toBe("access-granted");
    expect(seen).toHaveLength(1);
    const got = seen[0]!;
    expect(got.url).toBe("/echo/a/b/c/~x?x=1");
    expect(got.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
    expect(got.headers["x-api-key"]).toBeUndefined();
    expect(got.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(got.headers["x-request-id"]).toBe(response.headers["x-request-id"]);
    expect(got.headers["x-tenant"]).toBe("acme");
  });

  it("strip a key presented in the query", async () => {
    const seen = await upstreamSaw(() => send(`/main/echo?api_key=${KEYS.query}&y=2`));
    expect(seen.map((item) => item.url)).toEqual(["/echo?y=2"]);
    expect(JSON.stringify(seen[0]!.headers)).not.toContain(KEYS.query);
  });

  it("drop method-override, rewrite and hop-by-hop headers", async () => {
    // A raw socket: HTTP clients normalise the Connection header this test needs.
    const seen = await upstreamSaw(() =>
      rawRequest(
        "GET /main/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          `x-api-key: ${KEYS.reader}\r\n` +
          "x-http-method-override: DELETE\r\nx-original-url: /admin\r\nx-rewrite-url: /admin\r\n" +
          "x-method-override: PUT\r\nconnection: close, x-secret-hop\r\nx-secret-hop: 1\r\n" +
          "authorization: Bearer caller-token\r\n\r\n",
      ),
    );
    const headers = seen[0]!.headers;
    for (const name of [
      "x-http-method-override",
      "x-original-url",
      "x-rewrite-url",
      "x-method-override",
      "x-secret-hop",
    ]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
  });

  it("send a small JSON body through once its body rule passed", async () => {
    const body = JSON.stringify({ amount: 120, currency: "eur" });
    let response!: Sent;
    const seen = await upstreamSaw(async () => {
      response = await send("/main/echo", {
        method: "POST",
        headers: { "x-api-key": KEYS.writer, "content-type": "application/json" },
        body,
      });
    });
    expect(response.status).toBe(200);
    expect(seen[0]!.body).toBe(body);
  });

  it("filter JSON responses: destroyed fields never arrive, emails masked", async () => {
    const response = await send("/main/json/charges", { headers: reader });
    expect(response.status).toBe(200);
    const document = response.json() as typeof CARD_DOCUMENT;
    expect(response.text).not.toContain("4242424242424242");
    expect(response.text).not.toContain("ann@example.com");
    expect(document.data[0]!.card).toEqual({ brand: "visa" });
    expect(document.data[0]!.amount).toBe(1200);
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength(response.text)));
  });

  it("ask for an uncompressed body when filtering: the caller's Accept-Encoding becomes identity, none stays none", async () => {
    const seen = await upstreamSaw(async () => {
      await send("/main/json/charges", { headers: { ...reader, "accept-encoding": "gzip, br" } });
      await send("/main/json/charges", { headers: reader });
    });
    expect(seen.map((request) => request.headers["accept-encoding"])).toEqual(["identity", undefined]);
  });

  it("filter a gzipped JSON response the upstream compressed unasked: decoded, cut, sent uncompressed", async () => {
    const response = await send("/main/gzip/charges", { headers: reader });
    expect(response.status).toBe(200);
    expect(response.headers["content-encoding"]).toBeUndefined();
    expect(response.text).not.toContain("4242424242424242");
    const document = response.json() as typeof CARD_DOCUMENT;
    expect(document.data[1]!.card).toEqual({ brand: "mastercard" });
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength(response.text)));
  });

  it("filter an indented JSON response with destroy alone: compact, the field cut, the rest as JSON.stringify writes it", async () => {
    const response = await send("/main/pretty", { headers: reader });
    expect(response.status).toBe(200);
    const expected = {
      ...CARD_DOCUMENT,
      data: CARD_DOCUMENT.data.map((charge) => ({ ...charge, card: { brand: charge.card.brand } })),
    };
    expect(response.text).toBe(JSON.stringify(expected));
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength(response.text)));
  });

  it("stream unfiltered responses and keep upstream statuses", async () => {
    const response = await send("/main/status/418", { headers: reader });
    expect(response.status).toBe(418);
    expect(response.headers["x-rrc-code"]).toBe("access-granted");
  });
});

describe("refused requests never reach the upstream", () => {
  const cases: [
    string,
    string,
    { method?: string; headers?: Record<string, string | string[]>; body?: string },
    number,
    string,
  ][] = [
    ["unknown proxy", "/nope/echo", { headers: reader }, 404, "unknown-proxy"],
    ["no credential", "/main/echo", {}, 401, "unauthenticated"],
    ["wrong key", "/main/echo", { headers: { "x-api-key": "guess" } }, 401, "unauthenticated"],
    [
      "credential not accepted",
      "/main/echo",
      { headers: { "x-api-key": KEYS.outsider } },
      403,
      "credential-not-accepted",
    ],
    ["rule denial", "/main/admin/users", { headers: reader }, 403, "rule-denied"],
    ["default denial", "/main/elsewhere", { headers: reader }, 403, "default-denied"],
    ["encoded slash", "/main/echo%2F..%2Fadmin", { headers: reader }, 400, "non-canonical-request"],
    [
      "repeated inspected header",
      "/main/echo",
      { headers: { ...reader, "x-tenant": ["a", "b"] } },
      400,
      "ambiguous-request",
    ],
    ["lower-case method", "/main/echo", { method: "get", headers: reader }, 400, "non-canonical-request"],
    [
      "body over the inspection limit",
      "/main/echo",
      {
        method: "POST",
        headers: { "x-api-key": KEYS.writer },
        body: JSON.stringify({ pad: "x".repeat(400) }),
      },
      413,
      "body-too-large",
    ],
    [
      "invalid JSON body",
      "/main/echo",
      { method: "POST", headers: { "x-api-key": KEYS.writer }, body: "{" },
      400,
      "body-not-inspectable",
    ],
    [
      "duplicate JSON keys",
      "/main/echo",
      { method: "POST", headers: { "x-api-key": KEYS.writer }, body: '{"amount":1,"amount":99999}' },
      400,
      "ambiguous-request",
    ],
    [
      "body rule denial",
      "/main/echo",
      { method: "POST", headers: { "x-api-key": KEYS.writer }, body: '{"amount":99999}' },
      403,
      "rule-denied",
    ],
  ];

  it.each(cases)("%s", async (_name, path, options, status, code) => {
    let response!: Sent;
    const seen = await upstreamSaw(async () => {
      response = await send(path, options);
    });
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.headers["x-rrc-code"]).toBe(code);
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json()).toMatchObject({ status, code, requestId: response.headers["x-request-id"] });
    expect(seen).toEqual([]);
    if (status === 401) expect(response.headers["www-authenticate"]).toBeTruthy();
  });

  it("names the scope and rule of a rule denial", async () => {
    const response = await send("/main/admin", { headers: reader });
    expect(response.json()).toMatchObject({ code: "rule-denied", scope: "proxy", rule: "no-admin" });
  });
});

describe("upstream and filter failures", () => {
  it("502 when the target is unreachable", async () => {
    const response = await send("/down/anything", { headers: reader });
    expect(response.status).toBe(502);
    expect(response.headers["x-rrc-code"]).toBe("upstream-unreachable");
  });

  it("504 when the upstream is too slow", async () => {
    const response = await send("/main/slow/3000", { headers: reader });
    expect(response.status).toBe(504);
    expect(response.headers["x-rrc-code"]).toBe("upstream-timeout");
  });

  it("422 when a filter applies and the response is not JSON", async () => {
    const response = await send("/main/text", { headers: reader });
    expect(response.status).toBe(422);
    expect(response.headers["x-rrc-code"]).toBe("filter-not-json");
    expect(response.text).not.toContain("4242424242424242");
  });

  it("413 when a filtered response is over the buffering limit", async () => {
    const response = await send("/main/big/60000", { headers: reader });
    expect(response.status).toBe(413);
    expect(response.headers["x-rrc-code"]).toBe("response-too-large");
    const small = await send("/main/big/100", { headers: reader });
    expect(small.status).toBe(200);
  });
});

describe("admin port and decision log", () => {
  it("serves health, readiness, metrics and the manifest", async () => {
    const admin = `http://127.0.0.1:${gateway.adminPort}`;
    const health = await request(`${admin}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const ready = await request(`${admin}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    const metrics = await (await request(`${admin}/metrics`)).body.text();
    expect(metrics).toContain('rrc_decisions_total{proxy="main"');
    expect(metrics).toContain('rrc_rule_hits_total{proxy="main",scope="proxy",rule="no-admin"}');
    const manifest = (await (await request(`${admin}/manifest`)).body.json()) as { revision: string };
    expect(manifest.revision).toMatch(/^sha256:/);
  });

  it("writes one JSON line per request, with no secrets", async () => {
    await send("/main/echo?api_key=should-not-appear", {
      headers: { ...reader, authorization: "Bearer caller-secret" },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const text = readFileSync(logFile, "utf8");
    const records = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.length).toBeGreaterThan(20);
    expect(records.some((record) => record.code === "rule-denied" && record.rule === "no-admin")).toBe(true);
    expect(records.some((record) => record.code === "access-granted" && record.upstreamStatus === 200)).toBe(
      true,
    );
    for (const secret of [KEYS.reader, KEYS.writer, UPSTREAM_TOKEN, "caller-secret", "should-not-appear"]) {
      expect(text).not.toContain(secret);
    }
  });
});
