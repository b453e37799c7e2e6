// Generated policies of a given rule count for benchmarks: many services, each with
// read/write/admin rules, so most rules miss for any one request (as in real policies).
import type { PolicyDocument, Rule } from "../compiler/authoring/types.ts";

export function generatePolicy(ruleCount: number): PolicyDocument {
  const rules: Rule[] = [];
  for (let index = 0; rules.length < ruleCount; index++) {
    const service = `svc${index}`;
    rules.push({
      id: `${service}-read`,
      effect: "allow",
      methods: ["GET", "HEAD"],
      path: `^/${service}/items(/[0-9]+)?$`,
    });
    if (rules.length < ruleCount) {
      rules.push({
        id: `${service}-write`,
        effect: "allow",
        methods: ["POST", "PUT"],
        path: `^/${service}/items$`,
      });
    }
    if (rules.length < ruleCount) {
      rules.push({
        id: `${service}-admin`,
        effect: "deny",
        priority: 900,
        path: `^/${service}/admin(/.*)?$`,
      });
    }
  }
  return {
    targets: [{ id: "upstream", url: "http://127.0.0.1:9" }],
    targetCredentials: [{ id: "none", target: "upstream", auth: { type: "none" } }],
    proxyCredentials: [{ id: "caller", auth: { type: "apiKey", keys: [`sha256:${"0".repeat(64)}`] } }],
    proxies: [
      {
        id: "api",
        target: "upstream",
        targetCredential: "none",
        credentials: ["caller"],
        default: "deny",
        rules,
      },
    ],
  };
}

/** A fixed mix: allowed reads, allowed writes, admin denials and default denials. */
export function benchmarkRequests(ruleCount: number) {
  const services = Math.max(1, Math.floor(ruleCount / 3));
  const pick = (n: number) => `svc${(n * 7919) % services}`;
  return Array.from({ length: 64 }, (_, n) => {
    const service = pick(n);
    const kind = n % 4;
    const method = kind === 1 ? "POST" : "GET";
    const path =
      kind === 0
        ? `/${service}/items/${n}`
        : kind === 1
          ? `/${service}/items`
          : kind === 2
            ? `/${service}/admin/x`
            : `/nope/${n}`;
    return { proxy: "api", credential: "caller", method, path, headers: {}, query: {} };
  });
}
