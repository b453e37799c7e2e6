// The meter store of a `rrc serve --workers N` worker: every take/add goes to the primary,
// which owns the one embedded store, so counts stay exact across workers (one process
// decides, atomically, in arrival order). Calls are batched per event-loop turn.
import {
  type CounterAdd,
  type CounterTake,
  type MeterStore,
  MeterStoreUnavailable,
  type TakeResult,
} from "./types.ts";

export interface MeterCall {
  readonly id: number;
  readonly op: "take" | "add";
  readonly counters: readonly CounterTake[] | readonly CounterAdd[];
}

/** Calls made in one turn of a worker's event loop travel as one message (one IPC write and parse). */
export interface MeterBatch {
  readonly type: "rrc-meter";
  readonly calls: readonly MeterCall[];
}

export interface MeterReply {
  readonly id: number;
  readonly result?: TakeResult;
  readonly error?: string;
}

export interface MeterBatchReply {
  readonly type: "rrc-meter-reply";
  readonly replies: readonly MeterReply[];
}

/** The channel to the primary: `process` in a cluster worker. */
export interface MeterChannel {
  send(message: MeterBatch): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
}

interface Waiting {
  readonly resolve: (reply: MeterReply) => void;
  readonly reject: (error: Error) => void;
}

export class IpcMeterStore implements MeterStore {
  readonly kind = "embedded" as const;
  private readonly pending = new Map<number, Waiting>();
  private queued: MeterCall[] = [];
  private nextId = 0;
  private readonly onMessage = (message: unknown) => {
    const batch = message as MeterBatchReply;
    if (batch?.type !== "rrc-meter-reply") return;
    for (const reply of batch.replies) {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) continue; // timed out meanwhile
      this.pending.delete(reply.id);
      if (reply.error) waiting.reject(new MeterStoreUnavailable(reply.error));
      else waiting.resolve(reply);
    }
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
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.queued.push({ id, op, counters }) === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    const calls = this.queued;
    this.queued = [];
    // send() returning false only means back-pressure; the message is still queued.
    this.channel.send({ type: "rrc-meter", calls });
    // One timer per batch: a primary that does not answer fails its calls closed.
    setTimeout(() => {
      for (const call of calls) {
        const waiting = this.pending.get(call.id);
        if (waiting === undefined) continue;
        this.pending.delete(call.id);
        waiting.reject(new MeterStoreUnavailable("the primary process did not answer in time"));
      }
    }, this.timeoutMs).unref();
  };
}

/** In the primary: answers a worker's calls, in order, from the shared store. */
export async function answerMeterBatch(store: MeterStore, batch: MeterBatch): Promise<MeterBatchReply> {
  const replies: MeterReply[] = [];
  for (const call of batch.calls) replies.push(await answerMeterCall(store, call));
  return { type: "rrc-meter-reply", replies };
}

async function answerMeterCall(store: MeterStore, call: MeterCall): Promise<MeterReply> {
  try {
    if (call.op === "take") return { id: call.id, result: await store.take(call.counters as CounterTake[]) };
    await store.add(call.counters as CounterAdd[]);
    return { id: call.id };
  } catch (error) {
    return { id: call.id, error: error instanceof Error ? error.message : String(error) };
  }
}
