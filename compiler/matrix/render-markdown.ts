// `rrc matrix --format markdown`: a GitHub-flavoured table, credentials down, proxies
// across. User values go in code spans; `|` is escaped even there (GFM splits cells
// first) and newlines cannot occur in a cell.
import type { AccessMatrix } from "./access.ts";
import { cellPhrases, NONE, type Phrase } from "./describe.ts";

export function renderMarkdown(matrix: AccessMatrix): string {
  const out = [
    "## Access matrix",
    "",
    `| credential \\ proxy | ${matrix.proxies.map((proxy) => codeSpan(proxy)).join(" | ")} |`,
    `|---|${matrix.proxies.map(() => "---|").join("")}`,
  ];
  matrix.credentials.forEach((credential, row) => {
    const cells = matrix.proxies.map((_, column) => {
      const cell = matrix.cells[row * matrix.proxies.length + column]!;
      const phrases = cellPhrases(cell);
      return phrases.length === 0 ? NONE : phrases.map(markdownPhrase).join("<br>");
    });
    out.push(`| ${codeSpan(credential)} | ${cells.join(" | ")} |`);
  });
  out.push(
    "",
    `${NONE}: the proxy does not accept the credential, or nothing can be allowed. Each entry is a method and`,
    "path pattern some request may be allowed with (rule ids in parentheses); `except` lists deny rules that",
    "may carve requests out of it. Field checks and regex overlaps are not decided: an entry is an upper bound.",
    "",
  );
  return out.join("\n");
}

function markdownPhrase(phrase: Phrase): string {
  return phrase
    .map((piece) => (typeof piece === "string" ? escapeText(piece) : codeSpan(piece.code)))
    .join("");
}

function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>|&]/g, (char) => `\\${char}`);
}

/** A code span fenced by more backticks than the text holds in a row (CommonMark). */
function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat.startsWith(" ") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}
