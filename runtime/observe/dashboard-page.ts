// `GET /dashboard`: one self-contained page (inline CSS and JS, no external assets) fed by
// `GET /events`. Everything from the feed is put in the page with textContent, never as
// HTML: paths are the caller's. The Content-Security-Policy allows exactly the inline
// script and style below (by hash) and connections to the admin port itself.
import { createHash } from "node:crypto";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { display: flex; gap: 16px; align-items: baseline; padding: 12px 20px; background: #1d2330; color: #fff; }
header h1 { font-size: 18px; margin: 0; }
header code { color: #b8c4d9; }
#status { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 8px; background: #6b7280; }
#status.live { background: #15803d; }
main { padding: 16px 20px; display: grid; gap: 16px; }
.counters { display: flex; gap: 12px; }
.counter { background: #fff; border-radius: 6px; padding: 10px 16px; min-width: 140px; box-shadow: 0 1px 2px #0002; }
.counter b { display: block; font-size: 24px; }
section { background: #fff; border-radius: 6px; padding: 10px 16px; box-shadow: 0 1px 2px #0002; overflow-x: auto; }
h2 { font-size: 15px; margin: 4px 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e5e7eb; white-space: nowrap; }
td.path { max-width: 360px; overflow: hidden; text-overflow: ellipsis; font-family: ui-monospace, monospace; }
tr[data-verdict="allow"] td.verdict { color: #15803d; font-weight: 600; }
tr[data-verdict="deny"] td.verdict { color: #b91c1c; font-weight: 600; }
td.shadow { color: #a16207; }
#matrix td.none { color: #9ca3af; }
#matrix td.granted { color: #15803d; }
#skipped { color: #a16207; font-size: 12px; }
`;

const SCRIPT = `
"use strict";
const MAX_ROWS = 200;
const $ = (id) => document.getElementById(id);
function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? "—" : String(text);
  if (className) td.className = className;
  return td;
}
function setTotals(totals) {
  $("allowed").textContent = totals.allowed;
  $("denied").textContent = totals.denied;
  $("avg-latency").textContent = totals.avgDecisionUs.toFixed(1) + " µs";
}
function addDecision(event) {
  const body = $("decisions").tBodies[0];
  const row = body.insertRow(0);
  row.className = "decision";
  row.dataset.verdict = event.verdict;
  cell(row, event.time.slice(11, 23));
  cell(row, event.credential, "credential");
  cell(row, event.proxy, "proxy");
  cell(row, event.method, "method");
  cell(row, event.path, "path").title = event.path;
  cell(row, event.rule, "rule");
  cell(row, event.verdict, "verdict");
  cell(row, event.status + " " + event.code, "status");
  cell(row, event.decisionUs > 0 ? event.decisionUs.toFixed(1) + " µs" : null, "latency"); // none: refused first
  cell(row, event.shadow ? event.shadow.verdict + " (" + (event.shadow.rule || event.shadow.code) + ")" : "", "shadow");
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}
function renderMatrix(matrix) {
  const table = $("matrix");
  table.replaceChildren();
  if (!matrix) return;
  const head = table.createTHead().insertRow();
  cell(head, "credential \\u2193 / proxy \\u2192");
  for (const proxy of matrix.proxies) cell(head, proxy);
  const body = table.createTBody();
  const byPair = new Map(matrix.cells.map((c) => [c.credential + "\\u0000" + c.proxy, c]));
  for (const credential of matrix.credentials) {
    const row = body.insertRow();
    cell(row, credential).className = "credential";
    for (const proxy of matrix.proxies) {
      const c = byPair.get(credential + "\\u0000" + proxy);
      let text = "—", className = "none";
      if (c && c.accepted && c.entries.length > 0) {
        text = c.rules.length > 0 ? c.rules.join(", ") : "any (defaults)";
        className = "granted";
      } else if (c && c.accepted) {
        text = "no access";
      }
      const td = cell(row, text, className);
      td.dataset.proxy = proxy;
      td.dataset.credential = credential;
      if (c) td.title = c.entries.join("\\n") + (c.truncated ? "\\n…" : "");
    }
  }
}
const source = new EventSource("/events");
source.onopen = () => { $("status").textContent = "live"; $("status").className = "live"; };
source.onerror = () => { $("status").textContent = "reconnecting"; $("status").className = ""; };
source.addEventListener("snapshot", (message) => {
  const snapshot = JSON.parse(message.data);
  $("revision").textContent = snapshot.revision.slice(0, 19);
  $("revision").title = snapshot.revision;
  setTotals(snapshot.totals);
  renderMatrix(snapshot.matrix);
  if (snapshot.recent.length > 0) {
    $("decisions").tBodies[0].replaceChildren();
    for (const event of snapshot.recent) addDecision(event);
  }
});
source.addEventListener("decision", (message) => {
  const event = JSON.parse(message.data);
  addDecision(event);
  setTotals(event.totals);
});
source.addEventListener("skipped", (message) => {
  const skipped = Number($("skipped").dataset.count || 0) + JSON.parse(message.data).count;
  $("skipped").dataset.count = skipped;
  $("skipped").textContent = skipped + " decisions not shown (the page fell behind)";
});
`;

const BODY = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rrc gateway</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header><h1>rrc gateway</h1><span>revision <code id="revision">…</code></span><span id="status">connecting</span></header>
<main>
<div class="counters">
  <div class="counter">allowed<b id="allowed">0</b></div>
  <div class="counter">denied<b id="denied">0</b></div>
  <div class="counter">average decision<b id="avg-latency">–</b></div>
</div>
<section>
  <h2>Decisions <span id="skipped"></span></h2>
  <table id="decisions">
    <thead><tr><th>time</th><th>credential</th><th>proxy</th><th>method</th><th>path</th><th>rule</th><th>verdict</th><th>status</th><th>decision</th><th>shadow</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<section>
  <h2>Access matrix (allow rules per credential and proxy)</h2>
  <table id="matrix"></table>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

export const DASHBOARD_HTML = BODY;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
