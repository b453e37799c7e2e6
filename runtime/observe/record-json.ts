// One decision record as one JSON line, the same text JSON.stringify writes for it (about 2 µs per
// record on Node 20; see ../json/text.ts). The record's keys are constants, and ids, codes and methods,
// a small set, are escaped once and remembered.
import { JsonText, numberJson, plainDataJson, stringJson } from "../json/text.ts";
import type { DecisionRecord } from "./decision-record.ts";

/** Remembered literals stop growing here; beyond it, strings are escaped each time (still correct). */
const MAX_REMEMBERED = 512;
const remembered = new Map<string, string>();

export function decisionRecordJson(record: DecisionRecord): string {
  let line =
    `{"time":${times.of(record.time)},"requestId":${stringJson(record.requestId)}` +
    `${who(record)},"path":${paths.of(record.path)}${outcome(record)}`;
  if (record.meter !== undefined) {
    const meter = record.meter instanceof JsonText ? record.meter.text : plainDataJson(record.meter, idJson);
    line += `,"meter":${meter}`;
  }
  line +=
    `,"decisionUs":${numberJson(record.decisionUs)},"totalMs":${numberJson(record.totalMs)}` +
    `,"upstreamStatus":${record.upstreamStatus === null ? "null" : numberJson(record.upstreamStatus)}`;
  if (record.shadow !== undefined) line += `,"shadow":${JSON.stringify(record.shadow)}`;
  return `${line}}`;
}

// Consecutive records mostly share who called and what was decided: the last such fragment is reused
// while its fields stay the same, so a record is a handful of concatenations rather than thirty.
let lastWho: { proxy: string | null; credential: string | null; method: string; json: string } | null = null;
let lastOutcome: {
  verdict: string;
  status: number;
  code: string;
  scope: string | null;
  rule: string | null;
  json: string;
} | null = null;

function who({ proxy, credential, method }: DecisionRecord): string {
  const last = lastWho;
  if (last !== null && last.proxy === proxy && last.credential === credential && last.method === method) {
    return last.json;
  }
  const json = `,"proxy":${idJson(proxy)},"credential":${idJson(credential)},"method":${idJson(method)}`;
  flatten(json);
  lastWho = { proxy, credential, method, json };
  return json;
}

function outcome({ verdict, status, code, scope, rule }: DecisionRecord): string {
  const last = lastOutcome;
  if (
    last !== null &&
    last.verdict === verdict &&
    last.status === status &&
    last.code === code &&
    last.scope === scope &&
    last.rule === rule
  ) {
    return last.json;
  }
  const json =
    `,"verdict":${idJson(verdict)},"status":${numberJson(status)}` +
    `,"code":${idJson(code)},"scope":${idJson(scope)},"rule":${idJson(rule)}`;
  flatten(json);
  lastOutcome = { verdict, status, code, scope, rule, json };
  return json;
}

/**
 * One string's JSON, escaped once for a run of calls with the same string. Under load, consecutive
 * records mostly share their millisecond and their path, and escaping is a regular expression test
 * (about 400 instructions).
 */
class RepeatedJson {
  private last = "";
  private json = '""';

  of(value: string): string {
    if (value !== this.last) {
      this.last = value;
      this.json = stringJson(value);
    }
    return this.json;
  }
}

const times = new RepeatedJson();
const paths = new RepeatedJson();

/** Ids, codes and methods repeat from request to request: each is escaped once. */
function idJson(value: string | null): string {
  if (value === null) return "null";
  let literal = remembered.get(value);
  if (literal === undefined) {
    literal = stringJson(value);
    if (remembered.size < MAX_REMEMBERED) remembered.set(value, literal);
  }
  return literal;
}

/**
 * A reused fragment is built by concatenation, a tree V8 walks again each time it is copied into a
 * batch; reading one character flattens it in place, once.
 */
function flatten(text: string): void {
  text.charCodeAt(0);
}
