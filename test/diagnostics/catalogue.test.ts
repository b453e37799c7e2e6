// The diagnostic catalogue: well-formed unique codes, and every code the compiler source
// mentions is catalogued (so a typo cannot ship an unknown code).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../compiler/diagnostics/catalogue.ts";

const COMPILER = resolve(import.meta.dirname, "../../compiler");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("diagnostic catalogue", () => {
  const codes = Object.keys(CATALOGUE);

  it("has well-formed, unique codes and titles", () => {
    for (const code of codes) expect(code).toMatch(/^RRC[1-9]\d{3}$/);
    expect(new Set(codes).size).toBe(codes.length);
    const titles = Object.values(CATALOGUE).map((entry) => entry.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("knows every code the compiler reports", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(COMPILER)) {
      if (file.endsWith("catalogue.ts")) continue;
      for (const match of readFileSync(file, "utf8").matchAll(/"(RRC\d{4})"/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const code of used) expect(codes, `${code} is not in the catalogue`).toContain(code);
  });
});
