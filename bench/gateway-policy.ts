// The policy both gateway benchmarks enforce (SPEC §13's "full gateway"): API-key
// authentication, 100 rules, a per-credential meter and a response filter that applies to the
// benchmarked path; the upstream credential is a bearer token from RRC_BENCH_TOKEN.
import { createHash } from "node:crypto";
import type { PolicyDocument, Rule } from "../compiler/authoring/types.ts";

export const BENCH_PATH = "/bench/v1/items/42";
export const BENCH_API_KEY = "bench-key";

export function benchmarkPolicy(upstreamUrl: string): PolicyDocument {
  const rules: Rule[] = [];
  for (let index = 0; index < 99; index++) {
    rules.push({
      id: `svc${index}-read`,
      effect: "allow",
      methods: ["GET"],
      path: `^/svc${index}/items(/[0-9]+)?$`,
    });
  }
  rules.push({ id: "bench-read", effect: "allow", methods: ["GET"], path: "^/v1/items(/[0-9]+)?$" });
  return {
    targets: [
      {
        id: "upstream",
        url: upstreamUrl,
        filters: [{ op: "destroy", paths: ["$.card.number"], match: { path: "^/v1/" } }],
      },
    ],
    targetCredentials: [
      { id: "none", target: "upstream", auth: { type: "bearer", secret: { env: "RRC_BENCH_TOKEN" } } },
    ],
    proxyCredentials: [
      {
        id: "caller",
        auth: {
          type: "apiKey",
          keys: [`sha256:${createHash("sha256").update(BENCH_API_KEY).digest("hex")}`],
        },
      },
    ],
    proxies: [
      {
        id: "bench",
        target: "upstream",
        targetCredential: "none",
        credentials: ["caller"],
        default: "deny",
        rules,
        // Never reached in a run, so every request is admitted and counted.
        meters: [{ id: "caller-rate", per: "credential", limits: { minute: 1_000_000_000 } }],
      },
    ],
  };
}
