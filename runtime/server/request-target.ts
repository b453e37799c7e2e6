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

/** An own, empty list under `name`, even for "__proto__" (which plain assignment would treat as the prototype). */
export function defineOwn(query: Record<string, string[]>, name: string): string[] {
  const values: string[] = [];
  Object.defineProperty(query, name, { value: values, enumerable: true, writable: true, configurable: true });
  return values;
}

/** Makes Express (method-override), Laravel and Symfony apps run another method than the one decided on. */
const METHOD_OVERRIDE = "_method";

/**
 * The raw query as forwarded: the named parameters (the caller's credential) and `_method` removed, and
 * `;` sent as `%3B`. The gateway reads `;` as data; upstreams that also split on it (Python < 3.9.2,
 * Go < 1.17) would see parameters the rules never saw.
 */
export function stripQuery(rawQuery: string, names: readonly string[]): string {
  // Without ";", "%" or "_" there is no `;` and no `_method`, however spelt.
  if (rawQuery === "" || (names.length === 0 && !/[;%_]/.test(rawQuery))) return rawQuery;
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
      return name !== METHOD_OVERRIDE && !names.includes(name);
    })
    .join("&")
    .replaceAll(";", "%3B");
}
