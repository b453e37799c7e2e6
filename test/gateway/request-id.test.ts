import { describe, expect, it } from "vitest";
import { newRequestId } from "../../runtime/server/request-id.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request ids", () => {
  it("are version 4 UUIDs, distinct across several refills of the random pool", () => {
    const ids = Array.from({ length: 5_000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("use every hex digit in the random positions", () => {
    const seen = new Set<string>();
    for (let index = 0; index < 200; index++) {
      for (const char of newRequestId().replaceAll("-", "").slice(13)) seen.add(char);
    }
    expect([...seen].sort().join("")).toBe("0123456789abcdef");
  });
});
