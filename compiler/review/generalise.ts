// A simple generalisation of the paths a rule served, as an anchored regex: paths are
// grouped by segment count; in each group a segment that never varies stays literal (unless
// it looks like an identifier: digits, a UUID, long hex), and one that varies becomes the
// narrowest class that covers every value seen. Groups are joined after their common literal
// prefix: `/api/users` and `/api/users/42` → `^/api/users(?:/[0-9]+)?$`. It describes the
// traffic; it is a suggestion for a reviewer, not a proof.

interface SegmentClass {
  readonly source: string;
  readonly covers: (value: string) => boolean;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Narrowest first. */
const CLASSES: readonly SegmentClass[] = [
  { source: "[0-9]+", covers: (value) => /^[0-9]+$/.test(value) },
  {
    source: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    covers: (value) => UUID.test(value),
  },
  // Hex only when it reads as an identifier: `cafe` and `add` are words.
  { source: "[0-9a-f]+", covers: (value) => /^[0-9a-f]{8,}$/.test(value) && /[0-9]/.test(value) },
  // RFC 3986 unreserved characters: a name-like segment.
  { source: "[A-Za-z0-9._~-]+", covers: (value) => /^[A-Za-z0-9._~-]+$/.test(value) },
  { source: "[^/]+", covers: (value) => value.length > 0 },
  { source: "[^/]*", covers: () => true },
];

const IDENTIFIER_CLASSES = new Set(CLASSES.slice(0, 3));

/** Beyond this many distinct path shapes a pattern is no longer a useful description. */
const MAX_GROUPS = 4;

/** The generalised pattern, or null when the paths vary too much to describe briefly. */
export function generalise(paths: readonly string[]): string | null {
  const groups = new Map<number, string[][]>();
  for (const path of new Set(paths)) {
    const segments = path.slice(1).split("/");
    const group = groups.get(segments.length);
    if (group) group.push(segments);
    else groups.set(segments.length, [segments]);
  }
  if (groups.size === 0 || groups.size > MAX_GROUPS) return null;
  const shapes = [...groups.keys()].sort((a, b) => a - b).map((length) => shape(groups.get(length)!));
  return join(shapes);
}

/** One token (a regex) per segment position. */
function shape(paths: readonly string[][]): string[] {
  const tokens: string[] = [];
  for (let position = 0; position < paths[0]!.length; position++) {
    const values = new Set(paths.map((segments) => segments[position]!));
    const [only] = values;
    if (values.size === 1) {
      const identifier = CLASSES.find((item) => IDENTIFIER_CLASSES.has(item) && item.covers(only!));
      tokens.push(identifier ? identifier.source : escapeLiteral(only!));
    } else {
      tokens.push(CLASSES.find((item) => [...values].every(item.covers))!.source);
    }
  }
  return tokens;
}

function join(shapes: readonly string[][]): string {
  if (shapes.length === 1) return `^/${shapes[0]!.join("/")}$`;
  const first = shapes[0]!; // the shortest: shapes are sorted by length, each length once
  let common = 0;
  while (common < first.length && shapes.every((tokens) => tokens[common] === first[common])) common++;
  const prefix = common === 0 ? "" : `/${first.slice(0, common).join("/")}`;
  const rests = shapes
    .map((tokens) => tokens.slice(common))
    .map((rest) => (rest.length ? `/${rest.join("/")}` : ""));
  // When the shortest shape is the common prefix itself, the rest is optional.
  const optional = rests[0] === "";
  return `^${prefix}(?:${rests.filter((rest) => rest !== "").join("|")})${optional ? "?" : ""}$`;
}

/** Regex-escapes a literal path segment (RE2 and JavaScript agree on these escapes). */
function escapeLiteral(segment: string): string {
  return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
