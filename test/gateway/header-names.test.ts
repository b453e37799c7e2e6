import { describe, expect, it } from "vitest";
import { lowerCaseHeaderName } from "../../runtime/server/header-names.ts";
import { responseHeaderList } from "../../runtime/server/headers.ts";

describe("lowerCaseHeaderName", () => {
  it("answers common names in lower case whatever their case on the wire, as one shared string", () => {
    for (const wire of ["Content-Type", "content-type", "CONTENT-TYPE", "cOnTeNt-TyPe"]) {
      expect(lowerCaseHeaderName(Buffer.from(wire))).toBe("content-type");
    }
    expect(lowerCaseHeaderName(Buffer.from("Date"))).toBe("date");
    expect(lowerCaseHeaderName(Buffer.from("TE"))).toBe("te");
  });

  it("lower-cases names it does not know, and does not confuse names of the same length", () => {
    expect(lowerCaseHeaderName(Buffer.from("X-Custom-Thing"))).toBe("x-custom-thing");
    // Same length as "content-type" (12), one byte apart.
    expect(lowerCaseHeaderName(Buffer.from("Content-Typf"))).toBe("content-typf");
    expect(lowerCaseHeaderName(Buffer.from([0x44, 0x41, 0x54, 0x05]))).toBe("dat\u0005");
    expect(lowerCaseHeaderName(Buffer.from("Keep_Alive"))).toBe("keep_alive");
    expect(lowerCaseHeaderName(Buffer.from([0xc4, 0x61, 0x74, 0x65]))).toBe("\u00e4ate");
  });
});

describe("responseHeaderList", () => {
  it("takes names from Buffers and strings alike and drops hop-by-hop headers", () => {
    const raw = ["Content-Type", "application/json", "Connection", "keep-alive, X-Trace", "X-Trace", "1"];
    const expected = ["content-type", "application/json"];
    expect(responseHeaderList(raw)).toEqual(expected);
    expect(responseHeaderList(raw.map((part) => Buffer.from(part, "latin1")))).toEqual(expected);
  });
});
