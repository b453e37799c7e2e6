// The admin port (SPEC §10): health, readiness, Prometheus metrics, the loaded manifest, and
// with a live feed the dashboard (`/dashboard`, `/events`).
// It binds to loopback unless told otherwise: the manifest and metrics name every proxy,
// credential and rule, which is an inventory of the deployment. Nothing here is cached.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DASHBOARD_CSP, DASHBOARD_HTML } from "./dashboard-page.ts";
import type { LiveFeed } from "./live-feed.ts";
import type { GatewayMetrics } from "./metrics.ts";

export interface AdminOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port; the one bound is returned. */
  port: number;
  metrics: GatewayMetrics;
  /** The loaded manifest; undefined while none is loaded. */
  manifest(): unknown;
  ready(): boolean;
  /** Decisions as they happen; without it there is no dashboard. */
  feed?: LiveFeed;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

type Route = (options: AdminOptions, response: ServerResponse) => void | Promise<void>;

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["/healthz", (_options, response) => sendJson(response, 200, { status: "ok" })],
  ["/readyz", (options, response) => sendReadiness(options, response)],
  ["/metrics", (options, response) => sendMetrics(options.metrics, response)],
  ["/manifest", (options, response) => sendManifest(options, response)],
  ["/dashboard", (options, response) => sendDashboard(options, response)],
  ["/events", (options, response) => sendEvents(options, response)],
]);

export function startAdminServer(options: AdminOptions): Promise<AdminServer> {
  const server = createServer((request, response) => {
    void handle(options, request, response);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections (a scraper's) would otherwise hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function handle(
  options: AdminOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  request.resume(); // a request body is never read; drain it so the connection can be reused
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  const route = ROUTES.get(query === -1 ? url : url.slice(0, query));
  try {
    if (route === undefined) sendProblem(response, 404, "Not Found", "not-found");
    else if (request.method !== "GET") {
      response.setHeader("allow", "GET");
      sendProblem(response, 405, "Method Not Allowed", "method-not-allowed");
    } else await route(options, response);
  } catch {
    // The callbacks belong to the host (manifest(), ready(), metric collectors); the port stays up.
    if (!response.headersSent) sendProblem(response, 500, "Internal Server Error", "internal-error");
    else response.destroy();
  }
}

function sendReadiness(options: AdminOptions, response: ServerResponse): void {
  if (options.ready()) sendJson(response, 200, { status: "ready" });
  else sendJson(response, 503, { status: "not-ready" });
}

async function sendMetrics(metrics: GatewayMetrics, response: ServerResponse): Promise<void> {
  const text = await metrics.metrics();
  send(response, 200, metrics.registry.contentType, text);
}

function sendManifest(options: AdminOptions, response: ServerResponse): void {
  const manifest = options.manifest();
  if (manifest === undefined) sendProblem(response, 503, "Service Unavailable", "no-manifest");
  else sendJson(response, 200, manifest);
}

function sendDashboard(options: AdminOptions, response: ServerResponse): void {
  if (options.feed === undefined) {
    sendProblem(response, 404, "Not Found", "not-found");
    return;
  }
  response.setHeader("content-security-policy", DASHBOARD_CSP);
  response.setHeader("x-frame-options", "DENY");
  response.setHeader("referrer-policy", "no-referrer");
  send(response, 200, "text/html; charset=utf-8", DASHBOARD_HTML);
}

function sendEvents(options: AdminOptions, response: ServerResponse): void {
  if (options.feed === undefined) sendProblem(response, 404, "Not Found", "not-found");
  else options.feed.attach(response);
}

/** RFC 9457 problem details; `about:blank` because the status says all, and `code` is the stable part. */
function sendProblem(response: ServerResponse, status: number, title: string, code: string): void {
  const body = { type: "about:blank", title, status, code };
  send(response, status, "application/problem+json", JSON.stringify(body));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, "application/json", JSON.stringify(body));
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(body);
}
