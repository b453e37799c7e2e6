// The request's headers by lower-case name (runtime/server/request-headers.ts) against what Node's
// IncomingMessage#headersDistinct reads from the same raw lines.

import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ownValues, readRequestHeaders } from "../../runtime/server/request-headers.ts";

/** Node's own view of the raw lines, built by the message's parser hook. */
function nodeDistinct(raw: string[]): Record<string, string[]> {
  const message = new IncomingMessage(new Socket());
  (message as unknown as { _addHeaderLines(lines: string[], count: number): void })._addHeaderLines(
    raw,
    raw.length,
  );
  return message.headersDistinct as Record<string, string[]>;
}

const name = fc.oneof(
  fc.constantFrom("Host", "host", "HOST", "X-Api-Key", "x-api-key", "Content-Type", "TE", "te", "Te"),
  fc.constantFrom("Accept-Encoding", "X-Forwarded-For", "User-Agent", "X-Custom", "x_tenant", "Upgrade"),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/),
);
const lines = fc.array(fc.tuple(name, fc.string({ maxLength: 8 })), { maxLength: 12 });

describe("request headers by name", () => {
  it("hold what Node's headersDistinct holds, every value in order", () => {
    fc.assert(
      fc.property(lines, (pairs) => {
        const raw = pairs.flat();
        const ours = readRequestHeaders(raw);
        const node = nodeDistinct(raw);
        expect(Object.keys(ours.byName).sort()).toEqual(Object.keys(node).sort());
        for (const key of Object.keys(node)) expect(ours.byName[key]).toEqual(node[key]);
        expect(ours.names).toEqual(pairs.map(([lineName]) => lineName.toLowerCase()));
      }),
      { numRuns: 1000 },
    );
  });

  it("keep __proto__ and Object.prototype's names as plain, own header names", () => {
    const { byName } = readRequestHeaders([
      "__proto__",
      "a",
      "constructor",
      "b",
      "__PROTO__",
      "c",
      "toString",
      "d",
    ]);
    expect(Object.getPrototypeOf(byName)).toBe(Object.prototype);
    expect(ownValues(byName, "__proto__")).toEqual(["a", "c"]);
    expect(ownValues(byName, "constructor")).toEqual(["b"]);
    expect(ownValues(byName, "tostring")).toEqual(["d"]);
    expect(ownValues(byName, "hasownproperty")).toBeUndefined();
  });
});
