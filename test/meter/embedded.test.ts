// The embedded store: value meters, persistence across restarts, pruning, concurrency and outages.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMeterStore, MeterStoreUnavailable, Meters } from "../../runtime/meter/index.ts";
import { clock, header, policy, request, tempDir } from "./support.ts";

function stateFile(dir: string): Record<string, [number, number]> {
  return (
    JSON.parse(readFileSync(join(dir, "meters.json"), "utf8")) as {
      counters: Record<string, [number, number]>;
    }
  ).counters;
}

describe("value meters", () => {
  it("add the response's number on settle, then reject until the window resets", async () => {
    const time = clock("2024-03-05T12:00:30.000Z");
    const store = await createMeterStore({ stateDir: tempDir(), now: time.now });
    const m = new Meters(
      policy({
        p: [{ id: "tokens", per: "credential", value: "$.usage.total_tokens", limits: { minute: 100 } }],
      }),
      store,
    );
    const first = (await m.admit(request()))!;
    expect(first.admitted).toBe(true);
    expect(first.needsResponse).toBe(true);
    expect(first.state).toEqual({ tokens: { minute: "0/100" } }); // never incremented at admission
    await first.settle({ usage: { total_tokens: 60 } });
    await first.settle({ usage: { total_tokens: 60 } }); // once per admission

    const second = (await m.admit(request()))!;
    expect(second.state).toEqual({ tokens: { minute: "60/100" } });
    expect(header(second, "ratelimit")).toBe('"tokens.minute";r=40;t=30');
    await second.settle({ usage: { total_tokens: 50 } });

    const over = (await m.admit(request()))!;
    expect(over.admitted).toBe(false);
    expect(over.needsResponse).toBe(false);
    expect(over.exceeded).toBe("tokens");
    expect(header(over, "retry-after")).toBe("30");
    expect((await m.admit(request({ credential: "bob" })))!.admitted).toBe(true);

    time.advance(30_000);
    expect((await m.admit(request()))!.admitted).toBe(true);
    await store.close();
  });

  it("sums every number the path selects and ignores everything else", async () => {
    const store = await createMeterStore({ stateDir: tempDir() });
    const m = new Meters(policy({ p: [{ id: "units", value: "$..units", limits: { day: 1000 } }] }), store);
    await (await m.admit(request()))!.settle({
      units: 2,
      items: [{ units: 3 }, { units: "4" }, { units: -5 }, { units: null }, { units: { units: 0.5 } }],
    });
    await (await m.admit(request()))!.settle("not a JSON object");
    await (await m.admit(request()))!.settle({ units: 1.5 });
    await m.close();
    expect((await m.admit(request()))!.state).toEqual({ units: { day: "7/1000" } });
    await store.close();
  });

  it("counts a value meter without limits only when settled", async () => {
    const dir = tempDir();
    const store = await createMeterStore({ stateDir: dir });
    const m = new Meters(policy({ p: [{ id: "bytes", value: "$.size" }] }), store);
    const admission = (await m.admit(request()))!;
    expect(admission).toMatchObject({ admitted: true, needsResponse: true, headers: [], state: {} });
    await admission.settle({ size: 42 });
    await store.close();
    expect(Object.values(stateFile(dir)).map(([value]) => value)).toEqual([42, 42, 42, 42]);
  });
});

describe("persistence", () => {
  it("keeps counts across a restart within the window", async () => {
    const dir = tempDir();
    const time = clock("2024-03-05T12:00:10.000Z");
    const document = policy({ p: [{ id: "r", limits: { minute: 5, day: 100 } }] });
    const before = await createMeterStore({ stateDir: dir, now: time.now });
    const m1 = new Meters(document, before);
    for (let i = 0; i < 3; i++) await m1.admit(request());
    await before.close();
    expect(readdirSync(dir)).toEqual(["meters.json"]); // the temp file was renamed into place

    time.advance(20_000);
    const after = await createMeterStore({ stateDir: dir, now: time.now });
    const m2 = new Meters(document, after);
    expect((await m2.admit(request()))!.state).toEqual({ r: { minute: "4/5", day: "4/100" } });
    await after.close();
  });

  it("writes no counter for a window that counted nothing", async () => {
    const dir = tempDir();
    const store = await createMeterStore({ stateDir: dir });
    const m = new Meters(
      policy({
        p: [
          { id: "r", limits: { minute: 1 } },
          { id: "v", value: "$.n", limits: { hour: 9 } },
        ],
      }),
      store,
    );
    await (await m.admit(request()))!.settle({ n: 0 }); // r counts 1; v opens its window at 0
    await store.close();
    expect(Object.keys(stateFile(dir)).map((key) => key.split(":")[3])).toEqual(["r"]);
  });

  it("writes within about 200 ms of a change, without waiting for close", async () => {
    const dir = tempDir();
    const store = await createMeterStore({ stateDir: dir });
    await new Meters(policy({ p: [{ id: "r", limits: { hour: 5 } }] }), store).admit(request());
    expect(existsSync(join(dir, "meters.json"))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(Object.values(stateFile(dir)).map(([value]) => value)).toEqual([1]);
    await store.close();
  });

  it("prunes windows that ended while it was down", async () => {
    const dir = tempDir();
    const time = clock("2024-03-05T12:00:10.000Z");
    const document = policy({ p: [{ id: "r", limits: { minute: 5, day: 100 } }] });
    const before = await createMeterStore({ stateDir: dir, now: time.now });
    await new Meters(document, before).admit(request());
    await before.close();
    expect(Object.keys(stateFile(dir)).sort()).toEqual([
      `rrc:meter:p:r:*:day:${Date.parse("2024-03-05T00:00:00Z") / 1000}`,
      `rrc:meter:p:r:*:minute:${Date.parse("2024-03-05T12:00:00Z") / 1000}`,
    ]);

    time.advance(120_000);
    const after = await createMeterStore({ stateDir: dir, now: time.now });
    expect((await new Meters(document, after).admit(request()))!.state).toEqual({
      r: { minute: "1/5", day: "2/100" },
    });
    await after.close();
    const keys = Object.keys(stateFile(dir));
    expect(keys).toHaveLength(2);
    expect(keys).not.toContain(`rrc:meter:p:r:*:minute:${Date.parse("2024-03-05T12:00:00Z") / 1000}`);
  });
});

describe("concurrency and outages", () => {
  it("never double-counts concurrent admissions", async () => {
    const store = await createMeterStore({ stateDir: tempDir() });
    const m = new Meters(policy({ p: [{ id: "r", limits: { hour: 50 } }, { id: "all" }] }), store);
    const results = await Promise.all(Array.from({ length: 200 }, () => m.admit(request())));
    expect(results.filter((r) => r!.admitted)).toHaveLength(50);
    expect((await m.admit(request()))!.state).toMatchObject({ r: { hour: "50/50" }, all: { hour: "50" } });
    await store.close();
  });

  it("fails closed when the store is unavailable, unless told to fail open", async () => {
    const store = await createMeterStore({ stateDir: tempDir() });
    await store.close();
    const document = policy({ p: [{ id: "r", limits: { minute: 1 } }] });
    // The embedded store answers synchronously, so the refusal is thrown rather than a rejection.
    expect(() => new Meters(document, store).admit(request())).toThrow(MeterStoreUnavailable);
    const errors: unknown[] = [];
    const open = (await new Meters(document, store, { failOpen: true, onError: (e) => errors.push(e) }).admit(
      request(),
    ))!;
    expect(open.admitted).toBe(true);
    expect(open.headers).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it("refuses a state file it cannot read", async () => {
    const dir = tempDir();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "meters.json"), "{ not json");
    await expect(createMeterStore({ stateDir: dir })).rejects.toThrow();
  });
});
