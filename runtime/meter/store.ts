// Picks the meter store (SPEC §6): Redis when a URL is given (`--meter-store redis://…`), otherwise
// the embedded store persisted under `stateDir`.
import { openEmbeddedStore } from "./embedded-store.ts";
import type { MeterStore } from "./types.ts";

export interface MeterStoreOptions {
  /** `redis://host:port[/db]` → Redis; undefined → embedded. */
  readonly url?: string;
  /** Where the embedded store keeps `meters.json`; unused with Redis. */
  readonly stateDir: string;
  /** The embedded store's clock (tests); Redis always uses its own server clock. */
  readonly now?: () => number;
  /** Background failures: Redis connection errors, embedded persistence errors. */
  readonly onError?: (error: Error) => void;
}

export async function createMeterStore(options: MeterStoreOptions): Promise<MeterStore> {
  if (options.url !== undefined) {
    if (!/^rediss?:\/\//.test(options.url)) {
      throw new Error(`meter store: expected a redis:// URL, got \`${options.url}\``);
    }
    // Imported only when asked for: a gateway on the embedded store never loads ioredis.
    const { openRedisStore } = await import("./redis-store.ts");
    return openRedisStore({ url: options.url, onError: options.onError });
  }
  return openEmbeddedStore({ stateDir: options.stateDir, now: options.now, onError: options.onError });
}
