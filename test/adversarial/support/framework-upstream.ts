// An upstream that reads requests the way common web frameworks do, and records, for every
// request that reaches it, what it understood: the method, path, query, headers and body
// its application code would see, and the route that path reached. It is deliberately a
// lenient composite of several frameworks (each rule can be switched off), so that a
// request the gateway let through can be judged by what the upstream made of it, not by
// what the gateway thought it was. Its rules, in order:
//
//  1. headers: names case-insensitive; with `cgiHeaders`, "_" and "-" are the same
//     character (CGI `HTTP_X_TENANT`: PHP-FPM, WSGI, Rack). Repeated headers keep every value.
//  2. target: with `rewriteHeaders`, `X-Original-URL` / `X-Rewrite-URL` replace the request
//     target (IIS URL Rewrite, Symfony's IIS support).
//  3. the path (before the first "?") is percent-decoded once, leniently (an invalid escape
//     stays as written; bytes become UTF-8 text with replacement characters).
//  4. with `backslashIsSlash`, "\" separates segments (IIS, Windows servers).
//  5. with `nfkc`, the decoded path is NFKC-normalised (IIS/ASP.NET best-fit, some Python apps).
//  6. with `stripPathParameters`, each segment loses everything from its first ";"
//     (`/a;jsessionid=1/b` → `/a/b`: Tomcat, Jetty, Spring), after decoding (so `%3B` counts).
//  7. empty segments are merged and "." / ".." resolved (RFC 3986 §5.2.4).
//  8. with `caseInsensitive`, the path is matched in lower case (ASP.NET, Spring's option).
//  9. query: split on "&" (and on ";" with `semicolonQuery`: Python < 3.9.2, Go < 1.17), each
//     pair at its first "=", "+" read as a space, percent-decoded.
// 10. method: with `methodOverride`, the last of `X-HTTP-Method-Override`, `X-HTTP-Method`,
//     `X-Method-Override` or the `_method` query parameter replaces it (Express
//     method-override, Laravel, Symfony), whatever the original method.
// 11. body: by the last Content-Type: JSON (`application/json`, `*+json`; a UTF-8 BOM is
//     skipped; `JSON.parse`, so the last duplicate key wins), with `formBodies` form fields
//     (`application/x-www-form-urlencoded`); without a Content-Type, JSON when it parses.
//     Anything else is opaque text the application does not read fields from.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FrameworkRules {
  readonly cgiHeaders: boolean;
  readonly rewriteHeaders: boolean;
  readonly backslashIsSlash: boolean;
  readonly nfkc: boolean;
  readonly stripPathParameters: boolean;
  readonly caseInsensitive: boolean;
  readonly semicolonQuery: boolean;
  readonly methodOverride: boolean;
  readonly formBodies: boolean;
}

/** Every rule on: the most lenient (most dangerous) upstream the gateway may sit in front of. */
export const LENIENT: FrameworkRules = {
  cgiHeaders: true,
  rewriteHeaders: true,
  backslashIsSlash: true,
  nfkc: true,
  stripPathParameters: true,
  caseInsensitive: true,
  semicolonQuery: true,
  methodOverride: true,
  formBodies: true,
};

export type Route = "admin" | "public" | "orders" | "order" | "other";

export interface Interpretation {
  readonly method: string;
  readonly path: string;
  readonly route: Route;
  readonly query: Record<string, string[]>;
  readonly headers: Record<string, string[]>;
  /** Parsed fields (JSON or form), or undefined when the application reads none. */
  readonly body: unknown;
}

export interface FrameworkRecord {
  /** The gateway's `x-request-id` as the upstream received it (null: none). */
  readonly requestId: string | null;
  readonly raw: { readonly method: string; readonly url: string; readonly rawHeaders: readonly string[] };
  readonly body: Buffer;
  readonly seen: Interpretation;
}

export interface FrameworkUpstream {
  readonly url: string;
  readonly records: FrameworkRecord[];
  close(): Promise<void>;
}

export async function startFrameworkUpstream(rules: FrameworkRules = LENIENT): Promise<FrameworkUpstream> {
  const records: FrameworkRecord[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const seen = interpret(request, body, rules);
      const id = request.headers["x-request-id"];
      records.push({
        requestId: typeof id === "string" ? id : null,
        raw: { method: request.method ?? "", url: request.url ?? "", rawHeaders: request.rawHeaders },
        body,
        seen,
      });
      const text = JSON.stringify({ route: seen.route, method: seen.method, path: seen.path });
      response.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      response.end(text);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function interpret(request: IncomingMessage, body: Buffer, rules: FrameworkRules): Interpretation {
  const headers: Record<string, string[]> = Object.create(null);
  const raw = request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    let name = raw[index]!.toLowerCase();
    if (rules.cgiHeaders) name = name.replaceAll("_", "-");
    push(headers, name, raw[index + 1]!);
  }
  const last = (name: string) => headers[name]?.at(-1);
  let target = request.url ?? "/";
  if (rules.rewriteHeaders) target = last("x-original-url") ?? last("x-rewrite-url") ?? target;
  const question = target.indexOf("?");
  const rawPath = question < 0 ? target : target.slice(0, question);
  const rawQuery = question < 0 ? "" : target.slice(question + 1);

  let path = lenientDecode(rawPath);
  if (rules.backslashIsSlash) path = path.replaceAll("\\", "/");
  if (rules.nfkc) path = path.normalize("NFKC");
  let segments = path.split("/");
  if (rules.stripPathParameters) segments = segments.map((segment) => segment.split(";")[0]!);
  path = resolveDots(segments);
  if (rules.caseInsensitive) path = path.toLowerCase();

  const query = parseQuery(rawQuery, rules.semicolonQuery);
  let method = request.method ?? "";
  if (rules.methodOverride) {
    const override =
      last("x-http-method-override") ??
      last("x-http-method") ??
      last("x-method-override") ??
      query._method?.at(-1);
    if (override) method = override.toUpperCase();
  }
  return { method, path, route: routeOf(path), query, headers, body: parseBody(body, headers, rules) };
}

export function routeOf(path: string): Route {
  if (/^\/admin(\/|$)/.test(path)) return "admin";
  if (/^\/public(\/|$)/.test(path)) return "public";
  if (path === "/orders") return "orders";
  if (path.startsWith("/orders/")) return "order";
  return "other";
}

/** Percent-decodes once; an escape that is not two hex digits stays as written. */
function lenientDecode(text: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(index + 1, index + 3))) {
      bytes.push(Number.parseInt(text.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      for (const byte of Buffer.from(text[index]!, "utf8")) bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function resolveDots(segments: readonly string[]): string {
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  const trailing = segments.length > 1 && ["", ".", ".."].includes(segments.at(-1)!);
  return "/" + out.join("/") + (trailing && out.length > 0 ? "/" : "");
}

function parseQuery(rawQuery: string, semicolons: boolean): Record<string, string[]> {
  const query: Record<string, string[]> = Object.create(null);
  if (rawQuery === "") return query;
  for (const pair of rawQuery.split(semicolons ? /[&;]/ : "&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = formDecode(equals < 0 ? pair : pair.slice(0, equals));
    const value = formDecode(equals < 0 ? "" : pair.slice(equals + 1));
    push(query, name, value);
  }
  return query;
}

function push(map: Record<string, string[]>, name: string, value: string): void {
  const values = map[name];
  if (values === undefined) map[name] = [value];
  else values.push(value);
}

function formDecode(text: string): string {
  return lenientDecode(text.replaceAll("+", " "));
}

function parseBody(body: Buffer, headers: Record<string, string[]>, rules: FrameworkRules): unknown {
  if (body.length === 0) return undefined;
  const type = headers["content-type"]?.at(-1)?.split(";")[0]?.trim().toLowerCase();
  let text = body.toString("utf8");
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const json = () => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };
  if (type === undefined) return json();
  if (type === "application/json" || (type.startsWith("application/") && type.endsWith("+json")))
    return json();
  if (rules.formBodies && type === "application/x-www-form-urlencoded") {
    // One value is a string, several an array (Express's `qs`, PHP keeps the last).
    const fields: Record<string, unknown> = {};
    for (const [name, values] of Object.entries(parseQuery(text, false))) {
      Object.defineProperty(fields, name, {
        value: values.length === 1 ? values[0] : values,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return fields;
  }
  return undefined;
}
