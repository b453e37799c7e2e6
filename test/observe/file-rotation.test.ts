import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DecisionLog } from "../../runtime/observe/decision-log.ts";
import { allowRecord, requestIds } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "rrc-log-rotation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINE_BYTES = Buffer.byteLength(JSON.stringify(allowRecord(10)) + "\n");

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

async function writeRecords(
  path: string,
  count: number,
  maxBytes: number,
  keep: number,
): Promise<DecisionLog> {
  const log = new DecisionLog({ kind: "file", path, maxBytes, keep }, { flushIntervalMs: 1 });
  for (let n = 10; n < 10 + count; n++) {
    log.write(allowRecord(n));
    if (n % 4 === 0) await log.flush(); // batches of different sizes
  }
  await log.close();
  return log;
}

describe("file sink rotation", () => {
  it("renames decisions.jsonl to .1 … .keep at line boundaries, dropping the oldest", async () => {
    const path = join(dir, "decisions.jsonl");
    const log = await writeRecords(path, 20, LINE_BYTES * 3, 2); // three records a file
    expect([log.written, log.dropped]).toEqual([20, 0]);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const file of [path, `${path}.1`, `${path}.2`]) {
      expect(statSync(file).size).toBeLessThanOrEqual(LINE_BYTES * 3);
      for (const line of lines(file)) expect(() => JSON.parse(line)).not.toThrow(); // whole records
    }
    // Each file is filled to its three records before the next: 10-12 … 22-24, 25-27, 28-29.
    expect([`${path}.2`, `${path}.1`, path].map((file) => requestIds(lines(file)))).toEqual([
      ["req-22", "req-23", "req-24"],
      ["req-25", "req-26", "req-27"],
      ["req-28", "req-29"],
    ]);
  });

  it("counts the size of a file it appends to", async () => {
    const path = join(dir, "existing.jsonl");
    writeFileSync(path, JSON.stringify(allowRecord(0)) + "\n" + JSON.stringify(allowRecord(1)) + "\n");
    await writeRecords(path, 1, LINE_BYTES * 2, 3);
    expect(requestIds(lines(`${path}.1`))).toEqual(["req-0", "req-1"]);
    expect(requestIds(lines(path))).toEqual(["req-10"]);
  });

  it("keeps no rotated file with keep 0", async () => {
    const path = join(dir, "keep0.jsonl");
    await writeRecords(path, 7, LINE_BYTES * 2, 0);
    expect(existsSync(`${path}.1`)).toBe(false);
    expect(requestIds(lines(path))).toEqual(["req-16"]);
  });

  it("writes a record larger than maxBytes alone rather than losing it", async () => {
    const path = join(dir, "small.jsonl");
    await writeRecords(path, 3, 10, 5);
    expect([path, `${path}.1`, `${path}.2`].map((file) => requestIds(lines(file)))).toEqual([
      ["req-12"],
      ["req-11"],
      ["req-10"],
    ]);
  });

  it("never rotates without maxBytes", async () => {
    const path = join(dir, "plain.jsonl");
    await writeRecords(path, 30, 0, 5);
    expect(existsSync(`${path}.1`)).toBe(false);
    expect(lines(path)).toHaveLength(30);
  });
});
