// Cross-entity checks: unique ids (reported with both locations) and references that
// must name an existing entity of the right kind.
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { Located, ValidatedPolicy } from "./located.ts";

interface WithId {
  readonly id: string;
}

export function checkDuplicates<T extends WithId>(
  kind: string,
  entities: readonly Located<T>[],
  diagnostics: DiagnosticBag,
): Map<string, Located<T>> {
  const byId = new Map<string, Located<T>>();
  for (const entity of entities) {
    const first = byId.get(entity.value.id);
    if (first) {
      diagnostics.report("RRC3001", {
        message: `duplicate ${kind} id \`${entity.value.id}\``,
        span: entity.source.locate([...entity.path, "id"]),
        notes: [{ message: "first defined here", span: first.source.locate([...first.path, "id"]) }],
      });
      continue;
    }
    byId.set(entity.value.id, entity);
  }
  return byId;
}

/** Rule ids within one entity, and meter ids within one proxy, must be unique. */
export function checkMemberIds(
  owner: Located<unknown>,
  field: "rules" | "meters",
  members: readonly WithId[] | undefined,
  diagnostics: DiagnosticBag,
): void {
  const seen = new Map<string, number>();
  (members ?? []).forEach((member, index) => {
    const first = seen.get(member.id);
    if (first === undefined) {
      seen.set(member.id, index);
      return;
    }
    diagnostics.report("RRC3010", {
      message: `duplicate ${field === "rules" ? "rule" : "meter"} id \`${member.id}\``,
      span: owner.source.locate([...owner.path, field, index, "id"]),
      notes: [
        { message: "first defined here", span: owner.source.locate([...owner.path, field, first, "id"]) },
      ],
    });
  });
}

export function checkReferences(policy: ValidatedPolicy, diagnostics: DiagnosticBag): void {
  const targets = checkDuplicates("target", policy.targets, diagnostics);
  const targetCredentials = checkDuplicates("target credential", policy.targetCredentials, diagnostics);
  const proxyCredentials = checkDuplicates("proxy credential", policy.proxyCredentials, diagnostics);
  checkDuplicates("proxy", policy.proxies, diagnostics);

  const missing = (entity: Located<unknown>, field: (string | number)[], kind: string, id: string) =>
    diagnostics.report("RRC3002", {
      message: `${kind} \`${id}\` does not exist`,
      span: entity.source.locate([...entity.path, ...field]),
    });

  for (const credential of policy.targetCredentials) {
    if (!targets.has(credential.value.target))
      missing(credential, ["target"], "target", credential.value.target);
  }
  checkSharedDigests(policy, diagnostics);
  const owners = [
    ...policy.targets,
    ...policy.targetCredentials,
    ...policy.proxyCredentials,
    ...policy.proxies,
  ];
  for (const owner of owners) {
    owner.value.rules?.forEach((rule, ruleIndex) => {
      rule.credentials?.forEach((id, index) => {
        if (!proxyCredentials.has(id))
          missing(owner, ["rules", ruleIndex, "credentials", index], "proxy credential", id);
      });
    });
  }
  for (const proxy of policy.proxies) {
    const { target, targetCredential, credentials } = proxy.value;
    if (!targets.has(target)) missing(proxy, ["target"], "target", target);
    const upstream = targetCredentials.get(targetCredential);
    if (!upstream) {
      missing(proxy, ["targetCredential"], "target credential", targetCredential);
    } else if (upstream.value.target !== target) {
      diagnostics.report("RRC3005", {
        message: `target credential \`${targetCredential}\` is for target \`${upstream.value.target}\`, not \`${target}\``,
        span: proxy.source.locate([...proxy.path, "targetCredential"]),
        notes: [
          { message: "its target is set here", span: upstream.source.locate([...upstream.path, "target"]) },
        ],
      });
    }
    credentials.forEach((id, index) => {
      if (!proxyCredentials.has(id)) missing(proxy, ["credentials", index], "proxy credential", id);
    });
    if (credentials.length === 0) {
      diagnostics.report("RRC3009", {
        message: `proxy \`${proxy.value.id}\` accepts no credentials, so every request gets 401`,
        span: proxy.source.locate([...proxy.path, "credentials"]),
      });
    }
  }
}

/** A presented key must identify exactly one credential (SPEC §3: hash-map look-ups). */
function checkSharedDigests(policy: ValidatedPolicy, diagnostics: DiagnosticBag): void {
  const seen = new Map<string, { entity: Located<unknown>; path: (string | number)[] }>();
  for (const credential of policy.proxyCredentials) {
    const auth = credential.value.auth;
    const field =
      auth.type === "apiKey" ? "keys" : auth.type === "bearer" || auth.type === "jwt" ? "tokens" : null;
    if (!field) continue;
    const digests = (auth as { keys?: readonly string[]; tokens?: readonly string[] })[field] ?? [];
    digests.forEach((digest, index) => {
      const path = ["auth", field, index];
      const first = seen.get(digest);
      if (!first) {
        seen.set(digest, { entity: credential, path });
        return;
      }
      if (first.entity === credential) return;
      diagnostics.report("RRC3012", {
        message: `key digest is also used by credential \`${(first.entity.value as { id: string }).id}\``,
        span: credential.source.locate([...credential.path, ...path]),
        notes: [
          {
            message: "first used here",
            span: first.entity.source.locate([...first.entity.path, ...first.path]),
          },
        ],
        help: "one key must identify one caller; give each credential its own key",
      });
    });
  }
}
