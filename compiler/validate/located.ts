// The merged policy after validation: every entity remembers where it was written.

import type { ProxyCredential, Proxy as ProxyEntity, Target, TargetCredential } from "../authoring/types.ts";
import type { DocumentPath, PolicySource } from "../load/source.ts";

export interface Located<T> {
  readonly value: T;
  readonly source: PolicySource;
  readonly path: DocumentPath;
}

export interface ValidatedPolicy {
  readonly targets: readonly Located<Target>[];
  readonly targetCredentials: readonly Located<TargetCredential>[];
  readonly proxyCredentials: readonly Located<ProxyCredential>[];
  readonly proxies: readonly Located<ProxyEntity>[];
}

export const ENTITY_LISTS = ["targets", "targetCredentials", "proxyCredentials", "proxies"] as const;
export type EntityList = (typeof ENTITY_LISTS)[number];
