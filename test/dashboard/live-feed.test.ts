// The live feed under a slow or stuck browser: a client that stops reading costs a bounded
// queue (oldest events dropped, counted, and reported to it as `skipped`), a client stuck
// too long is cut off, and the number of clients is capped.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type AdminServer, startAdminServer } from "../../runtime/observe/admin-server.ts";
import type { DecisionRecord } from "../../runtime/observe/decision-log.ts";
import { type FeedOptions, LiveFeed } from "../../runtime/observe/live-feed.ts";
import { GatewayMetrics } from "../../runtime/observe/metrics.ts";

let admin: AdminServer | null = null;
let feed: LiveFeed | null = null;
afterEach(async () => {
  feed?.close();
  await admin?.close();
  admin = null;
  feed = null;
});

async function start(options: FeedOptions) {
  const metrics = new GatewayMetrics();
  feed = new LiveFeed(metrics.registry, options);
  feed.setSnapshotSource(() => ({ revision: "rev-1", matrix: null }));
  admin = await startAdminServer({ port: 0, metrics, manifest: () => ({}), ready: () => true, feed });
  return { metrics, feed, port: admin.port };
}

function record(n: number): DecisionRecord {
  return {
    time: new Date(Date.UTC(2025, 0, 1)).toISOString(),
    requestId: `req-${n}`,
    proxy: "main",
    credential: "reader",
    method: "GET",
    path: `/items/${n}/${"x".repeat(400)}`, // long paths fill the socket sooner
    verdict: n % 2 === 0 ? "allow" : "deny",
    status: 200,
    code: "access-granted",
    scope: "proxy",
    rule: "read",
    decisionUs: 2,
    totalMs: 3,
    upstreamStatus: 200,
  };
}

/** A raw SSE client whose reading can be paused; counts events by type. */
function client(
  port: number,
): Promise<{ socket: Socket; text: () => string; events: (type: string) => string[] }> {
  return new Promise((resolve) => {
    let text = "";
    const socket = connect(port, "127.0.0.1", () => {
      socket.write("GET /events HTTP/1.1\r\nHost: admin\r\n\r\n");
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    const events = (type: string) =>
      text
        .split("\n\n")
        .filter((block) => block.includes(`event: ${type}\n`))
        .map((block) => block.slice(block.indexOf("data: ") + 6));
    const ready = () => {
      if (events("snapshot").length > 0) resolve({ socket, text: () => text, events });
      else setTimeout(ready, 5);
    };
    ready();
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function dropped(text: string): number {
  return Number(/^rrc_dashboard_events_dropped_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

describe("LiveFeed", () => {
  it("bounds what a client that stopped reading costs, then tells it how much it skipped", async () => {
    const { metrics, feed, port } = await start({ maxQueued: 8 });
    const slow = await client(port);
    slow.socket.pause();
    const total = 40_000;
    for (let n = 0; n < total; n++) feed.publish(record(n));
    const skipped = dropped(await metrics.metrics());
    expect(skipped).toBeGreaterThan(total / 2); // far more than the socket and the queue hold
    slow.socket.resume();
    await until(() => slow.events("decision").length + skipped === total);
    expect(slow.events("skipped").map((data) => JSON.parse(data).count)).toEqual([skipped]);
    // What arrived is the oldest (before the socket filled) and the newest (the queue), in order.
    const ids = slow.events("decision").map((data) => Number(/"\/items\/(\d+)\//.exec(data)![1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.at(-1)).toBe(total - 1);
    const last = JSON.parse(slow.events("decision").at(-1)!);
    expect(last.totals).toEqual({ allowed: total / 2, denied: total / 2, avgDecisionUs: 2 });
    slow.socket.destroy();
  });

  it("disconnects a client stuck longer than stuckMs", async () => {
    const { metrics, feed, port } = await start({ maxQueued: 2_000, heartbeatMs: 20, stuckMs: 100 });
    const stuck = await client(port);
    stuck.socket.pause();
    stuck.socket.on("error", () => undefined); // the server cuts it off: a reset is expected
    expect(await metrics.metrics()).toMatch(/^rrc_dashboard_clients 1$/m);
    // Traffic keeps coming while the client reads nothing: the socket fills, then stays full.
    let n = 0;
    await until(async () => {
      for (const end = n + 2_000; n < end; n++) feed.publish(record(n));
      return /^rrc_dashboard_clients 0$/m.test(await metrics.metrics());
    });
    stuck.socket.destroy();
  });

  it("refuses clients beyond maxClients, and starts each with a snapshot of the recent decisions", async () => {
    const { feed, port } = await start({ maxClients: 1, history: 3 });
    for (let n = 0; n < 5; n++) feed.publish(record(n));
    const first = await client(port);
    const snapshot = JSON.parse(first.events("snapshot")[0]!);
    expect(snapshot.revision).toBe("rev-1");
    expect(snapshot.recent.map((event: { path: string }) => event.path.slice(0, 9))).toEqual([
      "/items/2/",
      "/items/3/",
      "/items/4/",
    ]);
    expect(snapshot.recent[0].path.length).toBeLessThanOrEqual(301); // long paths are cut
    expect(snapshot.totals).toEqual({ allowed: 3, denied: 2, avgDecisionUs: 2 });
    const response = await fetch(`http://127.0.0.1:${port}/events`);
    expect(response.status).toBe(503);
    first.socket.destroy();
  });
});
