// Generated policies for the analysis benchmark: services with read, write and admin
// rules in a default-deny proxy (anchored prefixes, as real policies mostly are), plus the
// rules that make analysis work: unanchored and case-insensitive denies that every rule
// must be compared with, credential-limited rules, and scopes that deny by default.
import type { PolicyDocument, Rule } from "../compiler/authoring/types.ts";

const CREDENTIALS = ["reader", "writer", "admin"];

export function analysisPolicy(ruleCount: number): PolicyDocument {
  const rules: Rule[] = [
    { id: "no-dotfiles", effect: "deny", priority: 1000, path: "/\\." },
    { id: "no-secrets", effect: "deny", priority: 1000, path: "secret", flags: "i" },
  ];
  for (let index = 0; rules.length < ruleCount - 2; index++) {
    const service = `svc${index}`;
    const add = (rule: Rule) => {
      if (rules.length < ruleCount - 2) rules.push(rule);
    };
    add({
      id: `${service}-read`,
      effect: "allow",
      methods: ["GET", "HEAD"],
      path: `^/${service}/items(/[0-9]+)?$`,
    });
    add({
      id: `${service}-write`,
      effect: "allow",
      methods: ["POST", "PUT", "DELETE"],
      path: `^/${service}/items(/[0-9]+)?$`,
      credentials: ["writer", "admin"],
    });
    add({ id: `${service}-admin`, effect: "deny", priority: 900, path: `^/${service}/admin(/.*)?$` });
    add({
      id: `${service}-admin-ops`,
      effect: "allow",
      path: `^/${service}/admin/ops$`,
      credentials: ["admin"],
    });
    add({
      id: `${service}-search`,
      effect: "allow",
      methods: ["GET"],
      path: `^/${service}/search`,
      flags: "i",
    });
  }
  return {
    targets: [
      {
        id: "upstream",
        url: "http://127.0.0.1:9",
        rules: [{ id: "no-trace", effect: "deny", methods: ["TRACE", "CONNECT"] }],
      },
    ],
    targetCredentials: [{ id: "none", target: "upstream", auth: { type: "none" } }],
    proxyCredentials: CREDENTIALS.map((id, at) => ({
      id,
      auth: { type: "apiKey", keys: [`sha256:${String(at).repeat(64)}`] as const },
      ...(id === "reader"
        ? {
            default: "deny" as const,
            rules: [{ id: "reads", effect: "allow", methods: ["GET", "HEAD"] } as Rule],
          }
        : {}),
    })),
    proxies: [
      {
        id: "api",
        target: "upstream",
        targetCredential: "none",
        credentials: CREDENTIALS,
        default: "deny",
        rules,
      },
    ],
  };
}
