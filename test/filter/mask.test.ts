import { describe, expect, it } from "vitest";
import type { Detector } from "../../compiler/authoring/types.ts";
import { redact } from "../../runtime/filter/mask.ts";
import { run, withCheckDigit } from "./support.ts";

const R = "[REDACTED]";
const maskText = (detect: Detector[], text: string) => run({ op: "mask", detect }, text);

const VISA = "4111111111111111";
const VISA_13 = "4222222222222";
const AMEX = "378282246310005";
const NINETEEN = withCheckDigit("622126000000000000");
// Flips the check digit: same shape, fails Luhn.
const notLuhn = (card: string) => card.slice(0, -1) + String((Number(card.at(-1)) + 1) % 10);

const JWT = [
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
  "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
  "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
].join(".");

describe("mask detectors", () => {
  it.each<[Detector, string, string]>([
    ["email", "write to jane.doe+tag@mail.example.co.uk today", `write to ${R} today`],
    ["email", "a@b.io, c_d@e-f.org.", `${R}, ${R}.`],
    ["email", "mailto:x@y.com", `mailto:${R}`],
    ["credit-card", `card ${VISA} ok`, `card ${R} ok`],
    ["credit-card", "4111 1111 1111 1111", R],
    ["credit-card", "4111-1111-1111-1111", R],
    ["credit-card", `${VISA_13} and ${AMEX}`, `${R} and ${R}`],
    ["credit-card", `n=${NINETEEN}.`, `n=${R}.`],
    ["credit-card", `order 12345 ${VISA}`, `order 12345 ${R}`],
    ["credit-card", `4111 1111 1111 1111 2024`, `${R} 2024`],
    ["credit-card", `id${VISA}x`, `id${R}x`],
    ["api-key", "key sk_live_abcdefghijklmnop1234 end", `key ${R} end`],
    ["api-key", "sk_test_ABCDEFGHIJKLMNOP", R],
    ["api-key", "pk_live_0123456789abcdef rk_live_0123456789abcdef", `${R} ${R}`],
    ["api-key", "AKIAIOSFODNN7EXAMPLE/ASIAIOSFODNN7EXAMPLE", `${R}/${R}`],
    ["api-key", "ghp_0123456789abcdefghijABCDEFGHIJ012345", R],
    ["api-key", "gho_0123456789abcdefghijAB ghs_0123456789abcdefghijAB", `${R} ${R}`],
    ["api-key", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", R],
    ["api-key", "xoxb-123456789012-abcdefghijkl", R],
    ["api-key", "xoxp-1234567890 xoxa-1234567890 xoxr-1234567890", `${R} ${R} ${R}`],
    ["api-key", `AIzaSy${"A1_-".repeat(8)}x`, R],
    ["api-key", "Authorization: Bearer abcdef0123456789.xyz==", `Authorization: ${R}`],
    ["api-key", "bearer " + JWT, R],
    ["api-key", "id_sk_live_abcdefghijklmnop1234", `id_${R}`],
    ["jwt", `the token ${JWT} expired.`, `the token ${R} expired.`],
    ["jwt", "unsecured eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. here", `unsecured ${R} here`],
  ])("%s masks %s", (detector, text, expected) => {
    expect(maskText([detector], text)).toBe(expected);
  });

  it.each<[Detector, string]>([
    ["email", "not an email: a@b, @example.com, user@localhost"],
    ["credit-card", `off by one ${notLuhn(VISA)} and ${notLuhn(AMEX)}`],
    ["credit-card", "4111 1111 1111 1112"],
    ["credit-card", "twelve 411111111113"],
    ["credit-card", `twenty digits ${VISA}0000`],
    ["credit-card", "4111  1111  1111  1111"],
    ["credit-card", "4111--1111--1111--1111"],
    ["api-key", "sk_live_short pk_live_ AKIAlowercase0123456 ghp_short xoxz-1234567890"],
    ["api-key", "use Bearer authentication and bearer tokens"],
    ["jwt", "eyJhbGciOiJIUzI1NiJ9.onlytwo and abc.def.ghi and eyJ..x"],
  ])("%s leaves %s alone", (detector, text) => {
    expect(maskText([detector], text)).toBe(text);
  });

  it("masks only what was asked for", () => {
    const text = `mail a@b.io card ${VISA}`;
    expect(maskText(["email"], text)).toBe(`mail ${R} card ${VISA}`);
    expect(maskText(["credit-card"], text)).toBe(`mail a@b.io card ${R}`);
    expect(maskText(["email", "credit-card", "api-key", "jwt"], text)).toBe(`mail ${R} card ${R}`);
  });

  it("keeps the text around a match intact, including astral characters", () => {
    expect(maskText(["email"], "😀 é a@b.io 😀")).toBe(`😀 é ${R} 😀`);
  });
});

describe("mask documents", () => {
  it("masks every string value in nested objects and arrays, never keys or other types", () => {
    const input = {
      "a@b.io": "a@b.io",
      list: ["x a@b.io", { deep: ["c@d.io"] }, 4111111111111111, true, null],
      n: 1,
    };
    expect(run({ op: "mask", detect: ["email"] }, input)).toStrictEqual({
      "a@b.io": R,
      list: [`x ${R}`, { deep: [R] }, 4111111111111111, true, null],
      n: 1,
    });
  });

  it("returns the input itself when nothing matches", () => {
    const input = { a: ["plain", { b: "text" }] };
    expect(run({ op: "mask", detect: ["email", "credit-card", "api-key", "jwt"] }, input)).toBe(input);
  });

  it("uses custom patterns and a custom replacement", () => {
    const filter = { op: "mask" as const, patterns: ["ACCT-[0-9]{6}", "(?i)secret"], replacement: "***" };
    expect(run(filter, "ACCT-123456 and acct-123456, SeCrEt")).toBe("*** and acct-123456, ***");
  });

  it("replaces every match of a pattern", () => {
    expect(run({ op: "mask", patterns: ["o"] }, "foo boo")).toBe(`f${R}${R} b${R}${R}`);
  });

  it("takes the replacement literally", () => {
    expect(run({ op: "mask", patterns: ["b+"], replacement: "$&$1" }, "abba")).toBe("a$&$1a");
  });

  it("reads patterns as RE2 syntax, \\Q…\\E included", () => {
    expect(run({ op: "mask", patterns: ["\\Qa/b.c\\E"] }, "xa/b.cx a/bXc")).toBe(`x${R}x a/bXc`);
  });

  it("ignores empty matches", () => {
    expect(run({ op: "mask", patterns: ["z*"] }, "a😀b")).toBe("a😀b");
    expect(run({ op: "mask", patterns: ["z*"] }, "azz😀b")).toBe(`a${R}😀b`);
  });

  it("merges overlapping matches into one replacement, whatever their order", () => {
    const text = "user sk_live_abcdefghijklmnop@example.com";
    const one = run({ op: "mask", detect: ["email", "api-key"] }, text);
    const other = run({ op: "mask", detect: ["api-key", "email"] }, text);
    expect(one).toBe(`user ${R}`);
    expect(other).toBe(one);
    expect(run({ op: "mask", patterns: ["abc", "bcd", "cde"] }, "xabcdex")).toBe(`x${R}x`);
    expect(run({ op: "mask", patterns: ["ab", "cd"] }, "abcd")).toBe(`${R}${R}`);
  });

  it("masks detectors and patterns together", () => {
    const filter = { op: "mask" as const, detect: ["email" as const], patterns: ["[0-9]{3}-[0-9]{4}"] };
    expect(run(filter, "a@b.io 555-1234")).toBe(`${R} ${R}`);
  });

  it("with neither detectors nor patterns changes nothing", () => {
    const input = { a: "a@b.io" };
    expect(run({ op: "mask" }, input)).toBe(input);
  });
});

describe("redact", () => {
  it.each<[number[], string]>([
    [[], "abcdef"],
    [[0, 6], "#"],
    [[1, 3, 2, 4], "a#ef"],
    [[2, 4, 1, 3], "a#ef"],
    [[1, 5, 2, 3], "a#f"],
    [[1, 2, 2, 3], "a##def"],
    [[0, 1, 5, 6], "#bcde#"],
  ])("redacts spans %j", (spans, expected) => {
    expect(redact("abcdef", spans, "#")).toBe(expected);
  });
});
