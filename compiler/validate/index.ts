// Pass `validate`: shape (ajv), then meaning (ids, references, patterns). The merged
// policy keeps each entity's source location for later passes and diagnostics.
import type { PolicyDocument } from "../authoring/types.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { LoadedSources } from "../load/index.ts";
import { ENTITY_LISTS, type Located, type ValidatedPolicy } from "./located.ts";
import { checkMeters } from "./meters.ts";
import { checkPatterns } from "./patterns.ts";
import { checkMemberIds, checkReferences } from "./references.ts";
import { validateShape } from "./schema.ts";

export function runValidate(loaded: LoadedSources, diagnostics: DiagnosticBag): ValidatedPolicy {
  const merged = { targets: [], targetCredentials: [], proxyCredentials: [], proxies: [] } as {
    [K in keyof ValidatedPolicy]: Located<never>[];
  };
  let shapeOk = true;
  for (const source of loaded.sources) {
    if (!validateShape(source, diagnostics)) {
      shapeOk = false;
      continue;
    }
    const document = source.document as PolicyDocument;
    for (const list of ENTITY_LISTS) {
      (document[list] ?? []).forEach((value, index) => {
        (merged[list] as Located<unknown>[]).push({ value, source, path: [list, index] });
      });
    }
  }
  const policy = merged as unknown as ValidatedPolicy;
  if (!shapeOk) return policy;

  checkReferences(policy, diagnostics);
  for (const list of ENTITY_LISTS) {
    for (const entity of policy[list] as readonly Located<{ rules?: readonly { id: string }[] }>[]) {
      checkMemberIds(entity, "rules", entity.value.rules, diagnostics);
    }
  }
  for (const proxy of policy.proxies) checkMemberIds(proxy, "meters", proxy.value.meters, diagnostics);
  checkPatterns(policy, diagnostics);
  checkMeters(policy, diagnostics);
  return policy;
}
