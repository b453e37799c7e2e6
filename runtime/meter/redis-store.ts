// The Redis meter store: several gateway replicas share exact counts because every admission is one
// Lua script (redis-scripts.ts) that checks and increments all of a request's counters atomically,
// with windows taken from the Redis server's clock.
//
// Connection policy: fail fast, recover by itself. No offline queue (a command while disconnected is
// refused at once, so admit() answers 503 instead of waiting), 500 ms connect and command timeouts,
// and reconnection forever with a backoff capped at 1 s, so enforcement resumes when Redis returns
// without restarting the gateway. An in-flight command is never sent twice (maxRetriesPerRequest 0,
// autoResendUnfulfilledCommands off): the script may already have run before the connection dropped,
// and replaying it would count the request twice.
import { Redis } from "ioredis";
import { LUA_ADD, LUA_TAKE } from "./redis-scripts.ts";
import {
  type CounterAdd,
  type CounterTake,
  type MeterStore,
  MeterStoreUnavailable,
  type TakeResult,
} from "./types.ts";

const TIMEOUT_MS = 500;
const READY_WAIT_MS = 1_000;

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  readonly url: string;
  /** Connection errors, as ioredis reports them while it reconnects. */
  readonly onError?: (error: Error) => void;
}

interface ScriptCommands {
  rrcMeterTake(...args: (string | number)[]): Promise<unknown>;
  rrcMeterAdd(...args: (string | number)[]): Promise<unknown>;
}

export async function openRedisStore(options: RedisStoreOptions): Promise<MeterStore> {
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
  });
  client.on("error", (error: Error) => options.onError?.(error));
  // EVALSHA, falling back to EVAL (which caches the script again) after a Redis restart.
  client.defineCommand("rrcMeterTake", { numberOfKeys: 0, lua: LUA_TAKE });
  client.defineCommand("rrcMeterAdd", { numberOfKeys: 0, lua: LUA_ADD });
  await waitForReady(client);
  return new RedisStore(client);
}

/** Waits briefly for the first connection; a Redis that is down only makes admissions fail (503). */
function waitForReady(client: Redis): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, READY_WAIT_MS);
    client.once("ready", done);
  });
}

class RedisStore implements MeterStore {
  readonly kind = "redis";
  readonly #scripts: ScriptCommands;

  constructor(private readonly client: Redis) {
    this.#scripts = client as unknown as ScriptCommands;
  }

  async take(takes: readonly CounterTake[]): Promise<TakeResult> {
    const args: (string | number)[] = [takes.length];
    for (const take of takes) args.push(take.counter, take.window, take.limit ?? -1, take.increment);
    const reply = await this.call(() => this.#scripts.rrcMeterTake(...args));
    if (!Array.isArray(reply) || reply.length !== 2 + 3 * takes.length) {
      throw new MeterStoreUnavailable("unexpected reply from the meter script");
    }
    const counters = takes.map((_, i) => ({
      used: Number(reply[2 + 3 * i]),
      windowStart: Number(reply[3 + 3 * i]) * 1000,
      windowEnd: Number(reply[4 + 3 * i]) * 1000,
    }));
    return { admitted: reply[0] === 1, now: Number(reply[1]), counters };
  }

  async add(adds: readonly CounterAdd[]): Promise<void> {
    if (adds.length === 0) return;
    const args: (string | number)[] = [adds.length];
    for (const add of adds) args.push(add.counter, add.window, add.amount);
    await this.call(() => this.#scripts.rrcMeterAdd(...args));
  }

  async close(): Promise<void> {
    this.client.disconnect(false);
  }

  private async call(run: () => Promise<unknown>): Promise<unknown> {
    try {
      return await run();
    } catch (error) {
      throw new MeterStoreUnavailable(`meter store: ${(error as Error).message}`, { cause: error });
    }
  }
}
