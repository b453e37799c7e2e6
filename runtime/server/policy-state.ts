// Everything the gateway derives from one bundle, built in full before it serves a
// request (and before a reload swaps it in): the decider, the authenticator, one undici
// Pool per target, upstream credentials, and the filter program of every proxy × credential.
import { Pool } from "undici";
import type { PolicyDocument, Proxy as ProxyEntity, Target } from "../../compiler/authoring/types.ts";
import { Authenticator } from "../authenticate/index.ts";
import type { LoadedBundle } from "../bundle/load.ts";
import type { Decider } from "../decision/engine.ts";
import { compileFilters, type FilterProgram } from "../filter/index.ts";
import { type MeterStore, Meters } from "../meter/index.ts";
import { resolveSecret, type SecretContext } from "../secrets/resolve.ts";
import { createUpstreamAuth, type UpstreamAuth } from "../secrets/upstream-auth.ts";

export interface StateSettings {
  /** Shortest time between two fetches of one JWKS document (unknown `kid` floods). */
  readonly jwksCooldownMs: number;
  /** The meter store outlives reloads; each state builds its own Meters over it. */
  readonly meterStore: MeterStore;
  readonly meterFailOpen: boolean;
  readonly onMeterError?: (error: unknown) => void;
}

export interface UpstreamTimeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
}

export interface ProxyRuntime {
  readonly id: string;
  readonly entity: ProxyEntity;
  readonly accepted: ReadonlySet<string>;
  readonly pool: Pool;
  /** Target URL path prefix without a trailing slash ("" for none). */
  readonly basePath: string;
  readonly upstreamAuth: UpstreamAuth;
  readonly filters: ReadonlyMap<string, FilterProgram>;
  readonly allowPathParameters: boolean;
  readonly allowDoubleEncoding: boolean;
  readonly bodyLimit: number;
}

export interface PolicyState {
  readonly bundle: LoadedBundle;
  readonly decider: Decider;
  readonly authenticator: Authenticator;
  readonly meters: Meters;
  readonly proxies: ReadonlyMap<string, ProxyRuntime>;
  /** Lower-case host (without port) → proxy, for proxies reached by `hosts`. */
  readonly hosts: ReadonlyMap<string, ProxyRuntime>;
  close(): Promise<void>;
}

export async function buildPolicyState(
  bundle: LoadedBundle,
  secrets: SecretContext,
  timeouts: UpstreamTimeouts,
  settings: StateSettings,
): Promise<PolicyState> {
  const document = bundle.module.policy.document as PolicyDocument;
  const upstreamAuths = new Map<string, UpstreamAuth>();
  const pools = new Map<string, Pool>();
  const cleanup = async () => {
    for (const auth of upstreamAuths.values()) auth.close();
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  };
  try {
    const authenticator = new Authenticator(document.proxyCredentials ?? [], {
      resolveSecret: (ref) => resolveSecret(ref, secrets),
      jwksCooldownMs: settings.jwksCooldownMs,
    });
    const targets = new Map((document.targets ?? []).map((target) => [target.id, target]));
    const targetCredentials = new Map((document.targetCredentials ?? []).map((tc) => [tc.id, tc]));
    const proxyCredentials = new Map((document.proxyCredentials ?? []).map((pc) => [pc.id, pc]));
    const proxies = new Map<string, ProxyRuntime>();
    const hosts = new Map<string, ProxyRuntime>();
    for (const entity of document.proxies ?? []) {
      const target = targets.get(entity.target)!;
      const upstream = targetCredentials.get(entity.targetCredential)!;
      let upstreamAuth = upstreamAuths.get(upstream.id);
      if (!upstreamAuth) {
        upstreamAuth = createUpstreamAuth(upstream, secrets);
        upstreamAuths.set(upstream.id, upstreamAuth);
      }
      let pool = pools.get(target.id);
      if (!pool) {
        pool = createPool(target, timeouts);
        pools.set(target.id, pool);
      }
      const filters = new Map<string, FilterProgram>();
      for (const credential of entity.credentials) {
        filters.set(
          credential,
          compileFilters({
            targetCredential: upstream.filters ?? [],
            target: target.filters ?? [],
            proxyCredential: proxyCredentials.get(credential)?.filters ?? [],
            proxy: entity.filters ?? [],
          }),
        );
      }
      const runtime: ProxyRuntime = {
        id: entity.id,
        entity,
        accepted: new Set(entity.credentials),
        pool,
        basePath: new URL(target.url).pathname.replace(/\/+$/, ""),
        upstreamAuth,
        filters,
        allowPathParameters: entity.unsafe?.pathParameters ?? false,
        allowDoubleEncoding: entity.unsafe?.doubleEncoding ?? false,
        bodyLimit: entity.bodyLimit ?? 1024 * 1024,
      };
      proxies.set(entity.id, runtime);
      for (const host of entity.hosts ?? []) hosts.set(host.toLowerCase(), runtime);
    }
    await Promise.all([...upstreamAuths.values()].map((auth) => auth.ready()));
    await authenticator.warm().catch(() => undefined);
    const meters = new Meters(document, settings.meterStore, {
      failOpen: settings.meterFailOpen,
      onError: settings.onMeterError,
    });
    return {
      bundle,
      decider: bundle.decider,
      authenticator,
      meters,
      proxies,
      hosts,
      async close() {
        authenticator.close();
        await meters.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function createPool(target: Target, timeouts: UpstreamTimeouts): Pool {
  return new Pool(new URL(target.url).origin, {
    connections: 128,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    connectTimeout: timeouts.connectMs,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
}
