// The JSONPath subset of body rules (SPEC §4) and dotted token claim paths. Selection only ever reads
// own properties, so a rule can never be satisfied by something inherited from Object.prototype.

export type JsonPathSegment =
  | { kind: "child"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "descendant"; name: string }
  | { kind: "descendant-wildcard" };

export type JsonPathResult =
  | { ok: true; segments: JsonPathSegment[] }
  | { ok: false; message: string; offset: number };

const NAME_CHAR = /[A-Za-z0-9_$-]/;

class PathError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/**
 * Supports `$`, `.name`, `['name']`, `["name"]`, `[n]`, `[*]`, `.*`, `..name`, `..['name']`, `..*` and
 * `..[*]`. Errors carry the 0-based offset of the offending character.
 */
export function parseJsonPath(source: string): JsonPathResult {
  if (source[0] !== "$") return { ok: false, message: "a path must start with '$'", offset: 0 };
  const segments: JsonPathSegment[] = [];
  let pos = 1;
  try {
    while (pos < source.length) {
      const c = source[pos];
      if (c === ".") {
        if (source[pos + 1] === ".") {
          pos += 2;
          if (source[pos] === "*") {
            segments.push({ kind: "descendant-wildcard" });
            pos++;
          } else if (source[pos] === "[") {
            const [segment, end] = bracket(source, pos);
            if (segment.kind === "index") throw new PathError("descendant index is not supported", pos + 1);
            segments.push(
              segment.kind === "child"
                ? { kind: "descendant", name: segment.name }
                : { kind: "descendant-wildcard" },
            );
            pos = end;
          } else {
            const end = nameEnd(source, pos);
            segments.push({ kind: "descendant", name: source.slice(pos, end) });
            pos = end;
          }
        } else if (source[pos + 1] === "*") {
          segments.push({ kind: "wildcard" });
          pos += 2;
        } else {
          const end = nameEnd(source, pos + 1);
          segments.push({ kind: "child", name: source.slice(pos + 1, end) });
          pos = end;
        }
      } else if (c === "[") {
        const [segment, end] = bracket(source, pos);
        segments.push(segment);
        pos = end;
      } else throw new PathError("expected '.' or '['", pos);
    }
  } catch (e) {
    if (e instanceof PathError) return { ok: false, message: e.message, offset: e.offset };
    throw e;
  }
  return { ok: true, segments };
}

function nameEnd(source: string, start: number): number {
  let pos = start;
  while (pos < source.length && NAME_CHAR.test(source[pos]!)) pos++;
  if (pos === start) throw new PathError("expected a name", start);
  return pos;
}

// Parses `[...]` starting at the "["; returns the segment and the offset just past the "]".
function bracket(source: string, open: number): [JsonPathSegment, number] {
  let pos = open + 1;
  const c = source[pos];
  let segment: JsonPathSegment;
  if (c === "*") {
    segment = { kind: "wildcard" };
    pos++;
  } else if (c === "'" || c === '"') {
    let name = "";
    pos++;
    for (;;) {
      const d = source[pos];
      if (d === undefined) throw new PathError("unterminated string", open + 1);
      if (d === c) break;
      if (d === "\\") {
        const e = source[pos + 1];
        if (e !== "\\" && e !== "'" && e !== '"') throw new PathError("invalid escape", pos);
        name += e;
        pos += 2;
      } else {
        name += d;
        pos++;
      }
    }
    pos++;
    segment = { kind: "child", name };
  } else if (c !== undefined && c >= "0" && c <= "9") {
    const start = pos;
    while (pos < source.length && source[pos]! >= "0" && source[pos]! <= "9") pos++;
    const digits = source.slice(start, pos);
    if (digits.length > 1 && digits[0] === "0") throw new PathError("index has a leading zero", start);
    const index = Number(digits);
    if (!Number.isSafeInteger(index)) throw new PathError("index is too large", start);
    segment = { kind: "index", index };
  } else if (c === "-") throw new PathError("negative index is not supported", pos);
  else throw new PathError("expected a quoted name, an index or '*'", pos);
  if (source[pos] !== "]") throw new PathError("expected ']'", pos);
  return [segment, pos + 1];
}

/** Pushes every node selected by `segments` from `value` onto `out`, in document order. */
export function selectJsonPath(value: unknown, segments: readonly JsonPathSegment[], out: unknown[]): void {
  select(value, segments, 0, out);
}

function select(node: unknown, segments: readonly JsonPathSegment[], i: number, out: unknown[]): void {
  const segment = segments[i];
  if (segment === undefined) {
    out.push(node);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  switch (segment.kind) {
    case "child":
      if (!Array.isArray(node) && Object.hasOwn(node, segment.name)) {
        select((node as Record<string, unknown>)[segment.name], segments, i + 1, out);
      }
      return;
    case "index":
      if (Array.isArray(node) && segment.index < node.length)
        select(node[segment.index], segments, i + 1, out);
      return;
    case "wildcard":
      forEachChild(node, (child) => select(child, segments, i + 1, out));
      return;
    case "descendant":
    case "descendant-wildcard":
      descend(node, segment, segments, i, out);
      return;
  }
}

// RFC 9535 §2.5.2.2: visit the node and then its descendants (depth-first), applying the selector
// (a name or `*`) at each visited node.
function descend(
  node: object,
  segment: JsonPathSegment,
  segments: readonly JsonPathSegment[],
  i: number,
  out: unknown[],
): void {
  if (segment.kind === "descendant") {
    if (!Array.isArray(node) && Object.hasOwn(node, segment.name)) {
      select((node as Record<string, unknown>)[segment.name], segments, i + 1, out);
    }
  } else forEachChild(node, (child) => select(child, segments, i + 1, out));
  forEachChild(node, (child) => {
    if (typeof child === "object" && child !== null) descend(child, segment, segments, i, out);
  });
}

function forEachChild(node: object, visit: (child: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) visit(child);
  } else {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) visit(record[key]);
  }
}

/** A dotted claim path (`sub`, `realm_access.roles`) is valid when no segment is empty. */
export function isValidClaimPath(dotted: string): boolean {
  return dotted.length > 0 && dotted.split(".").every((segment) => segment.length > 0);
}

/**
 * Pushes the value of a dotted claim path, walking own properties of (non-array) objects. An array claim
 * contributes each element (SPEC §4: "for an array claim, any element"); a missing claim nothing.
 */
export function selectClaim(claims: unknown, dotted: string, out: unknown[]): void {
  let node = claims;
  for (const segment of dotted.split(".")) {
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, segment))
      return;
    node = (node as Record<string, unknown>)[segment];
  }
  if (Array.isArray(node)) {
    for (const element of node) out.push(element);
  } else if (node !== undefined) out.push(node);
}
