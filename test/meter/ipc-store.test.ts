// A cluster worker's meter store: calls go to the primary's store over IPC, batched per event-loop
// turn. The channel here is an in-process pair wired exactly as the cluster wires worker and primary.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createMeterStore, MeterStoreUnavailable, Meters } from "../../runtime/meter/index.ts";
import {
  answerMeterBatch,
  IpcMeterStore,
  type MeterBatch,
  type MeterChannel,
} from "../../runtime/meter/ipc-store.ts";
import { policy, request, tempDir } from "./support.ts";

function channelTo(
  answer: ((batch: MeterBatch) => Promise<unknown>) | null,
): MeterChannel & { sent: MeterBatch[] } {
  const worker = new EventEmitter();
  const sent: MeterBatch[] = [];
  return {
    sent,
    send(batch) {
      sent.push(batch);
      if (answer) void answer(batch).then((reply) => worker.emit("message", reply));
      return true;
    },
    on: (event, listener) => worker.on(event, listener),
    off: (event, listener) => worker.off(event, listener),
  };
}

describe("IpcMeterStore", () => {
  it("sends the calls of one turn as one message and keeps counts exact", async () => {
    const primary = await createMeterStore({ stateDir: tempDir() });
    const channel = channelTo((batch) => answerMeterBatch(primary, batch));
    const meters = new Meters(
      policy({ p: [{ id: "r", limits: { minute: 50 } }] }),
      new IpcMeterStore(channel),
    );
    const admissions = await Promise.all(Array.from({ length: 80 }, () => meters.admit(request())));
    expect(admissions.filter((a) => a?.admitted)).toHaveLength(50);
    expect(admissions.filter((a) => a && !a.admitted)).toHaveLength(30);
    expect(channel.sent).toHaveLength(1);
    expect(channel.sent[0]!.calls).toHaveLength(80);
    await primary.close();
  });

  it("fails closed when the primary does not answer in time", async () => {
    const channel = channelTo(null);
    const store = new IpcMeterStore(channel, 50);
    const meters = new Meters(policy({ p: [{ id: "r", limits: { minute: 5 } }] }), store);
    await expect(meters.admit(request())).rejects.toBeInstanceOf(MeterStoreUnavailable);
    expect(channel.sent).toHaveLength(1);
  });

  it("reports the primary's store failures per call", async () => {
    const primary = await createMeterStore({ stateDir: tempDir() });
    await primary.close();
    const channel = channelTo((batch) => answerMeterBatch(primary, batch));
    const meters = new Meters(
      policy({ p: [{ id: "r", limits: { minute: 5 } }] }),
      new IpcMeterStore(channel),
    );
    await expect(meters.admit(request())).rejects.toBeInstanceOf(MeterStoreUnavailable);
  });
});
