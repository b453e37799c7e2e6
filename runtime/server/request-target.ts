// Splitting a request target into proxy, rest path and query (SPEC §2): a proxy is
// reached at `/{proxyId}/{rest}`, or by one of its `hosts` with the whole path as rest.

export interface RequestTarget {
  /** The proxy id from the first segment, or null when routed by host. */
  readonly proxySegment: string | null;
  /** The raw path the rules see (before canonicalisation), always starting with `/`. */
  readonly rest: string;
  /** The raw query string without `?`, or "". */
  readonly rawQuery: string;
}

export function splitTarget(url: string, routedByHost: boolean): RequestTarget | null {
  let target = url;
  // Absolute-form (RFC 9112 §3.2.2): keep only path and query.
  if (!target.startsWith("/")) {
    const scheme = target.indexOf("://");
    if (scheme < 0) return null;
    const slash = target.indexOf("/", scheme + 3);
    target = slash < 0 ? "/" : target.slice(slash);
  }
  const hash = target.indexOf("#");
  if (hash >= 0) target = target.slice(0, hash);
  const question = target.indexOf("?");
  const path = question < 0 ? target : target.slice(0, question);
  const rawQuery = question < 0 ? "" : target.slice(question + 1);
  if (routedByHost) return { proxySegment: null, rest: path, rawQuery };
  const end = path.indexOf("/", 1);
  const proxySegment = end < 0 ? path.slice(1) : path.slice(1, end);
  const rest = end < 0 ? "/" : path.slice(end);
  return { proxySegment, rest, rawQuery };
}

/** Decoded query parameters, every value kept in order (duplicates stay visible). */
export function parseQuery(rawQuery: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  if (rawQuery === "") return query;
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const values = Object.hasOwn(query, name) ? query[name]! : defineOwn(query, name);
    values.push(value);
  }
  return query;
}

function defineOwn(query: Record<string, string[]>, name: string): string[] {
  const values: string[] = [];
  Object.defineProperty(query, name, { value: values, enumerable: true, writable: true, configurable: true });
  return values;
}

/** The raw query with the named parameters (the caller's credential) removed. */
export function stripQuery(rawQuery: string, names: readonly string[]): string {
  if (names.length === 0 || rawQuery === "") return rawQuery;
  return rawQuery
    .split("&")
    .filter((pair) => {
      const equals = pair.indexOf("=");
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        name = rawName;
      }
      return !names.includes(name);
    })
    .join("&");
}
