// Meter admission on the embedded store (SPEC §6): all-or-nothing, per proxy and per credential,
// match, counting-only meters, calendar-aligned UTC windows and the 429 headers.
import { afterEach, describe, expect, it } from "vitest";
import type { Meter } from "../../compiler/authoring/types.ts";
import { createMeterStore, type MeterStore, Meters } from "../../runtime/meter/index.ts";
import { clock, header, policy, request, tempDir } from "./support.ts";

const stores: MeterStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function meters(proxies: Readonly<Record<string, readonly Meter[]>>, at = "2024-03-05T12:00:30.000Z") {
  const time = clock(at);
  const store = await createMeterStore({ stateDir: tempDir(), now: time.now });
  stores.push(store);
  return { meters: new Meters(policy(proxies), store), time };
}

describe("admission", () => {
  it("returns null when no meter applies", async () => {
    const { meters: m } = await meters({
      p: [{ id: "posts", limits: { minute: 1 }, match: { methods: ["POST"] } }],
    });
    expect(await m.admit(request({ proxy: "other" }))).toBeNull();
    expect(await m.admit(request({ method: "GET" }))).toBeNull();
  });

  it("is all-or-nothing: a full meter keeps the others from counting", async () => {
    const { meters: m } = await meters({
      p: [
        { id: "a", limits: { minute: 2 }, match: { path: "^/a" } },
        { id: "b", limits: { minute: 5 } },
      ],
    });
    for (let i = 0; i < 2; i++)
      expect((await m.admit(request({ canonicalPath: "/a" })))!.admitted).toBe(true);
    const rejected = (await m.admit(request({ canonicalPath: "/a" })))!;
    expect(rejected.admitted).toBe(false);
    expect(rejected.exceeded).toBe("a");
    expect(rejected.state).toEqual({ a: { minute: "2/2" }, b: { minute: "2/5" } });
    // Only `b` applies here; it stands at 3, not 4: the rejected request counted nowhere.
    const other = (await m.admit(request({ canonicalPath: "/x" })))!;
    expect(other.state).toEqual({ b: { minute: "3/5" } });
  });

  it("shares a per-proxy counter between callers and keeps per-credential ones apart", async () => {
    const { meters: m } = await meters({
      shared: [{ id: "all", limits: { minute: 3 } }],
      each: [{ id: "mine", per: "credential", limits: { minute: 2 } }],
    });
    const shared = (credential: string) => m.admit(request({ proxy: "shared", credential }));
    expect((await shared("alice"))!.admitted).toBe(true);
    expect((await shared("alice"))!.admitted).toBe(true);
    expect((await shared("bob"))!.admitted).toBe(true);
    expect((await shared("bob"))!.admitted).toBe(false);

    const each = (credential: string) => m.admit(request({ proxy: "each", credential }));
    expect((await each("alice"))!.admitted).toBe(true);
    expect((await each("alice"))!.admitted).toBe(true);
    expect((await each("alice"))!.admitted).toBe(false);
    expect((await each("bob"))!.state).toEqual({ mine: { minute: "1/2" } });
  });

  it("counts only requests its match selects (methods, path regex with the i flag)", async () => {
    const { meters: m } = await meters({
      p: [{ id: "w", limits: { hour: 5 }, match: { methods: ["POST"], path: "^/v1/charges$", flags: "i" } }],
    });
    expect(await m.admit(request({ method: "GET", canonicalPath: "/v1/charges" }))).toBeNull();
    expect(await m.admit(request({ method: "POST", canonicalPath: "/v1/charges/x" }))).toBeNull();
    expect((await m.admit(request({ method: "post", canonicalPath: "/V1/Charges" })))!.state).toEqual({
      w: { hour: "1/5" },
    });
  });

  it("counts with a meter without limits but never blocks on it", async () => {
    const { meters: m } = await meters({ p: [{ id: "usage", per: "credential" }] });
    let last = null;
    for (let i = 0; i < 30; i++) last = await m.admit(request());
    expect(last!.admitted).toBe(true);
    expect(last!.headers).toEqual([]);
    expect(last!.state).toEqual({ usage: { minute: "30", hour: "30", day: "30", month: "30" } });
  });

  it("increments a counting-only meter only for admitted requests", async () => {
    const { meters: m } = await meters({ p: [{ id: "usage" }, { id: "rate", limits: { minute: 1 } }] });
    await m.admit(request());
    const rejected = (await m.admit(request()))!;
    expect(rejected.admitted).toBe(false);
    expect(rejected.state).toMatchObject({ usage: { minute: "1" } });
  });
});

describe("calendar windows (UTC)", () => {
  it("admits by every applicable meter on a proxy with more meters than the plan cache covers", async () => {
    // Plans are cached by a bitmask of applicable meters up to 30 meters; past that they are built per request.
    const many: Meter[] = Array.from({ length: 32 }, (_, index) => ({
      id: `m${index}`,
      limits: { minute: index === 31 ? 2 : 100 },
      match: { path: index % 2 === 0 ? "^/even" : "^/" },
    }));
    const { meters: m } = await meters({ p: many });
    const first = (await m.admit(request({ canonicalPath: "/odd" })))!;
    expect(Object.keys(first.state!)).toHaveLength(16);
    expect((await m.admit(request({ canonicalPath: "/even" })))!.state).toHaveProperty("m30", {
      minute: "1/100",
    });
    const rejected = (await m.admit(request({ canonicalPath: "/odd" })))!;
    expect(rejected.admitted).toBe(false);
    expect(rejected.exceeded).toBe("m31");
  });

  it("keeps a cached plan's counters apart per credential and per applicable set", async () => {
    const { meters: m } = await meters({
      p: [
        { id: "mine", per: "credential", limits: { minute: 1 } },
        { id: "writes", limits: { minute: 5 }, match: { methods: ["POST"] } },
      ],
    });
    expect((await m.admit(request({ credential: "alice" })))!.state).toEqual({ mine: { minute: "1/1" } });
    expect((await m.admit(request({ credential: "bob" })))!.state).toEqual({ mine: { minute: "1/1" } });
    const post = (await m.admit(request({ credential: "carol", method: "POST" })))!;
    expect(post.state).toEqual({ mine: { minute: "1/1" }, writes: { minute: "1/5" } });
    expect((await m.admit(request({ credential: "alice" })))!.admitted).toBe(false);
  });

  it("starts a new minute and hour at 03:00:00", async () => {
    const { meters: m, time } = await meters(
      { p: [{ id: "r", limits: { minute: 1, hour: 2 } }] },
      "2024-03-05T02:59:59.900Z",
    );
    expect((await m.admit(request()))!.admitted).toBe(true);
    const rejected = (await m.admit(request()))!;
    expect(rejected.admitted).toBe(false);
    expect(header(rejected, "retry-after")).toBe("1"); // 100 ms, rounded up
    time.set("2024-03-05T03:00:00.100Z");
    const next = (await m.admit(request()))!;
    expect(next.admitted).toBe(true);
    expect(next.state).toEqual({ r: { minute: "1/1", hour: "1/2" } });
  });

  it("starts a new month on the 1st, whatever the month's length", async () => {
    const { meters: m, time } = await meters(
      { p: [{ id: "q", limits: { month: 1 } }] },
      "2024-01-31T23:59:59.000Z",
    );
    const first = (await m.admit(request()))!;
    expect(header(first, "ratelimit-policy")).toBe('"q.month";q=1;w=2678400'); // 31 days
    expect(header(await m.admit(request()), "retry-after")).toBe("1");
    time.set("2024-02-01T00:00:00.000Z");
    const february = (await m.admit(request()))!;
    expect(february.admitted).toBe(true);
    expect(header(february, "ratelimit-policy")).toBe('"q.month";q=1;w=2505600'); // 29 days (leap year)
    time.set("2024-02-29T23:59:59.999Z");
    expect((await m.admit(request()))!.admitted).toBe(false);
    time.set("2024-03-01T00:00:00.000Z");
    expect((await m.admit(request()))!.admitted).toBe(true);
  });
});

describe("headers (draft-ietf-httpapi-ratelimit-headers)", () => {
  it("advertises the tightest limit while admitting", async () => {
    const { meters: m } = await meters({ p: [{ id: "m", limits: { minute: 10, hour: 100 } }] });
    const admitted = (await m.admit(request()))!;
    expect(admitted.headers).toEqual([
      ["ratelimit-policy", '"m.minute";q=10;w=60'],
      ["ratelimit", '"m.minute";r=9;t=30'],
    ]);
  });

  it("advertises each request's own limit when consecutive requests meet different ones", async () => {
    const { meters: m } = await meters({
      p: [{ id: "m", limits: { minute: 10 } }],
      q: [{ id: "m", limits: { minute: 20 } }],
      r: [{ id: "n", limits: { hour: 20 } }],
    });
    const policyOf = async (proxy: string) => header(await m.admit(request({ proxy })), "ratelimit-policy");
    expect(await policyOf("p")).toBe('"m.minute";q=10;w=60');
    expect(await policyOf("q")).toBe('"m.minute";q=20;w=60');
    expect(await policyOf("r")).toBe('"n.hour";q=20;w=3600');
    expect(await policyOf("p")).toBe('"m.minute";q=10;w=60');
    expect(header(await m.admit(request({ proxy: "r" })), "ratelimit")).toBe('"n.hour";r=18;t=3570');
  });

  it("answers a rejection with Retry-After until every exceeded window resets", async () => {
    const { meters: m } = await meters({ p: [{ id: "m", limits: { minute: 10, hour: 100 } }] });
    for (let i = 0; i < 10; i++) await m.admit(request());
    const rejected = (await m.admit(request()))!;
    expect(rejected.headers).toEqual([
      ["ratelimit-policy", '"m.minute";q=10;w=60'],
      ["ratelimit", '"m.minute";r=0;t=30'],
      ["retry-after", "30"],
    ]);

    const { meters: both } = await meters({
      p: [
        { id: "burst", limits: { minute: 1 } },
        { id: "hourly", limits: { hour: 1 } },
      ],
    });
    await both.admit(request());
    const twice = (await both.admit(request()))!;
    // 12:00:30 → the minute resets in 30 s, the hour in 3570 s: wait for both.
    expect(header(twice, "retry-after")).toBe("3570");
    expect(header(twice, "ratelimit")).toBe('"hourly.hour";r=0;t=3570');
    expect(twice.exceeded).toBe("hourly");
  });
});
