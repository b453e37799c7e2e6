// `rrc matrix --format html`: one standalone page (inline style, no scripts, no external
// assets), every user value escaped.
import type { AccessMatrix, MatrixCell } from "./access.ts";
import { cellPhrases, NONE, type Phrase } from "./describe.ts";

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1f2328}
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:.4rem .6rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.none{color:#8c959f;text-align:center}ul{margin:0;padding-left:1.1rem}
code{background:#eff1f3;border-radius:4px;padding:0 .2rem;font-size:90%}`;

export function renderHtml(matrix: AccessMatrix): string {
  const head = matrix.proxies
    .map((proxy) => `<th scope="col"><code>${escapeHtml(proxy)}</code></th>`)
    .join("");
  const rows = matrix.credentials.map((credential, row) => {
    const cells = matrix.proxies.map((_, column) =>
      cellHtml(matrix.cells[row * matrix.proxies.length + column]!),
    );
    return `<tr><th scope="row"><code>${escapeHtml(credential)}</code></th>${cells.join("")}</tr>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rrc access matrix</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Access matrix</h1>
<table>
<thead><tr><th>credential \\ proxy</th>${head}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<p>${NONE}: the proxy does not accept the credential, or nothing can be allowed. Each entry is a method and
path pattern some request may be allowed with (rule ids in parentheses); <em>except</em> lists deny rules that
may carve requests out of it. Field checks and regex overlaps are not decided: an entry is an upper bound.</p>
</body>
</html>
`;
}

function cellHtml(cell: MatrixCell): string {
  const phrases = cellPhrases(cell);
  if (phrases.length === 0) {
    const why = cell.accepted ? "nothing can be allowed" : "credential not accepted";
    return `<td class="none" title="${why}">${NONE}</td>`;
  }
  return `<td><ul>${phrases.map((phrase) => `<li>${htmlPhrase(phrase)}</li>`).join("")}</ul></td>`;
}

function htmlPhrase(phrase: Phrase): string {
  return phrase
    .map((piece) =>
      typeof piece === "string" ? escapeHtml(piece) : `<code>${escapeHtml(piece.code)}</code>`,
    )
    .join("");
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
