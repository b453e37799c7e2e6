// The meter store of a `rrc serve --workers N` worker: every take/add goes to the primary,
// which owns the one embedded store, so counts stay exact across workers (one process
// decides, atomically, in arrival order).
import { randomUUID } from "node:crypto";
import {
  type CounterAdd,
  type CounterTake,
  type MeterStore,
  MeterStoreUnavailable,
  type TakeResult,
} from "./types.ts";

export interface MeterCall {
  readonly type: "rrc-meter";
  readonly id: string;
  readonly op: "take" | "add";
  readonly counters: readonly CounterTake[] | readonly CounterAdd[];
}

export interface MeterReply {
  readonly type: "rrc-meter-reply";
  readonly id: string;
  readonly result?: TakeResult;
  readonly error?: string;
}

/** The channel to the primary: `process` in a cluster worker. */
export interface MeterChannel {
  send(message: MeterCall): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
}

export class IpcMeterStore implements MeterStore {
  readonly kind = "embedded" as const;
  private readonly pending = new Map<string, { resolve(reply: MeterReply): void }>();
  private readonly onMessage = (message: unknown) => {
    const reply = message as MeterReply;
    if (reply?.type !== "rrc-meter-reply") return;
    this.pending.get(reply.id)?.resolve(reply);
  };

  constructor(
    private readonly channel: MeterChannel,
    private readonly timeoutMs = 1_000,
  ) {
    channel.on("message", this.onMessage);
  }

  async take(counters: readonly CounterTake[]): Promise<TakeResult> {
    const reply = await this.call("take", counters);
    return reply.result!;
  }

  async add(counters: readonly CounterAdd[]): Promise<void> {
    await this.call("add", counters);
  }

  async close(): Promise<void> {
    this.channel.off("message", this.onMessage);
  }

  private call(op: MeterCall["op"], counters: MeterCall["counters"]): Promise<MeterReply> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MeterStoreUnavailable("the primary process did not answer in time"));
      }, this.timeoutMs);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          this.pending.delete(id);
          if (reply.error) reject(new MeterStoreUnavailable(reply.error));
          else resolve(reply);
        },
      });
      if (!this.channel.send({ type: "rrc-meter", id, op, counters })) {
        // send() returning false only means back-pressure; the message is still queued.
      }
    });
  }
}

/** In the primary: answers a worker's meter call from the shared store. */
export async function answerMeterCall(store: MeterStore, call: MeterCall): Promise<MeterReply> {
  try {
    if (call.op === "take") {
      return {
        type: "rrc-meter-reply",
        id: call.id,
        result: await store.take(call.counters as CounterTake[]),
      };
    }
    await store.add(call.counters as CounterAdd[]);
    return { type: "rrc-meter-reply", id: call.id };
  } catch (error) {
    return {
      type: "rrc-meter-reply",
      id: call.id,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
