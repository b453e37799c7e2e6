// The bypass table: one named technique per row, each a raw request against the policy of
// ./policy.ts. `expect` says what the gateway must do: "deny" (never forwarded), "allow"
// (a control: forwarded), or "either" (forwarding is fine as long as the upstream's own
// reading of the request is something the policy allows — the suite checks that for every
// forwarded request, whatever the row says). `as` names the proxy and credential the
// upstream's reading is judged as.
import { gzipSync } from "node:zlib";
import { BASIC_PASSWORD, BASIC_USER, KEYS } from "./policy.ts";
import { type HeaderList, http1 } from "./raw-http.ts";

export interface Tokens {
  readonly valid: string;
  readonly validHs: string;
  readonly algNone: string;
  readonly algNoneUpper: string;
  readonly hsWithPublicPem: string;
  readonly hsWithPublicJwk: string;
  readonly rsForHsIssuer: string;
  readonly hsWrongSecret: string;
  readonly expired: string;
  readonly wrongAudience: string;
  readonly wrongIssuer: string;
  readonly notYetValid: string;
  readonly sameKidOtherKey: string;
  readonly jkuAttacker: string;
  readonly kidTraversal: string;
  readonly unknownCrit: string;
  readonly tamperedPayload: string;
  readonly strippedSignature: string;
  unknownKid(): string;
}

export interface Attempt {
  readonly name: string;
  readonly expect: "deny" | "allow" | "either";
  /** The x-rrc-code a denial must carry, when the row pins it. */
  readonly code?: string;
  readonly as?: { readonly proxy: string; readonly credential: string };
  readonly head?: boolean;
  /** How many times the request is sent (each one counts as an attempt). */
  readonly repeat?: number;
  send(tokens: Tokens): Buffer;
}

const reader = ["x-api-key", KEYS.reader] as const;
const writer = ["x-api-key", KEYS.writer] as const;
const json = ["Content-Type", "application/json"] as const;
const form = ["Content-Type", "application/x-www-form-urlencoded"] as const;
const OPEN = { proxy: "open", credential: "reader" };

const get = (target: string, extra: HeaderList = [], method = "GET") =>
  http1(method, target, [reader, ...extra]);
const order = (body: string | Buffer, extra: HeaderList = [json]) =>
  http1("POST", "/app/orders", [writer, ...extra], body);
const bearer = (token: string, extra: HeaderList = []) =>
  http1("GET", "/app/public/me", [["Authorization", `Bearer ${token}`], ...extra]);
const basic = (pair: Buffer | string) =>
  http1("GET", "/app/public/me", [["Authorization", `Basic ${Buffer.from(pair).toString("base64")}`]]);
const latin1 = (text: string) => Buffer.from(text, "latin1");

type Row = [
  name: string,
  expect: Attempt["expect"],
  send: (tokens: Tokens) => Buffer,
  extra?: Partial<Omit<Attempt, "name" | "expect" | "send">>,
];

const DENY = "deny";
const ALLOW = "allow";
const EITHER = "either";
const NC = { code: "non-canonical-request" };
const RULE = { code: "rule-denied" };
const UNAUTH = { code: "unauthenticated" };

const PATHS: Row[] = [
  ["control: public read", ALLOW, () => get("/app/public/docs")],
  ["admin, plainly", DENY, () => get("/app/admin"), RULE],
  ["admin with a trailing slash", DENY, () => get("/app/admin/"), RULE],
  ["admin sub-path", DENY, () => get("/app/admin/users"), RULE],
  ["double slash before admin", DENY, () => get("/app//admin"), RULE],
  ["runs of slashes", DENY, () => get("/app///admin///users"), RULE],
  ["single dot segment", DENY, () => get("/app/./admin"), RULE],
  ["dot-dot out of an allowed prefix", DENY, () => get("/app/public/../admin"), RULE],
  ["dot-dot beyond the root", DENY, () => get("/app/../../admin"), RULE],
  ["encoded dots %2e%2e", DENY, () => get("/app/public/%2e%2e/admin"), RULE],
  ["upper-case encoded dots %2E%2E", DENY, () => get("/app/public/%2E%2E/admin"), RULE],
  ["half-encoded dots .%2e", DENY, () => get("/app/public/.%2e/admin"), RULE],
  ["encoded single dot %2e", DENY, () => get("/app/%2e/admin"), RULE],
  ["encoded slash %2f", DENY, () => get("/app/public%2f..%2fadmin"), NC],
  ["encoded slash %2F after dots", DENY, () => get("/app/public/..%2Fadmin"), NC],
  ["encoded backslash %5c", DENY, () => get("/app/public/..%5cadmin"), NC],
  ["raw backslash traversal", DENY, () => get("/app/public/..\\admin"), NC],
  ["raw backslash before admin", DENY, () => get("/app/\\admin"), NC],
  ["double-encoded dots %252e", DENY, () => get("/app/public/%252e%252e/admin"), NC],
  ["double-encoded slash %252f", DENY, () => get("/app/public/..%252fadmin"), NC],
  ["double-encoded letter %2561", DENY, () => get("/app/%2561dmin"), NC],
  ["triple encoding %25252e", DENY, () => get("/app/public/%25252e%25252e/admin"), NC],
  ["overlong UTF-8 dots %c0%ae", DENY, () => get("/app/public/%c0%ae%c0%ae/admin"), NC],
  ["overlong UTF-8 slash %c0%af", DENY, () => get("/app/public/..%c0%afadmin"), NC],
  ["3-byte overlong dots %e0%80%ae", DENY, () => get("/app/public/%e0%80%ae%e0%80%ae/admin"), NC],
  ["lone UTF-8 continuation byte", DENY, () => get("/app/public/%80/../../admin"), NC],
  ["IIS %u escapes", DENY, () => get("/app/public/%u002e%u002e/admin"), NC],
  ["path parameter ;", DENY, () => get("/app/admin;x=1"), NC],
  ["Tomcat ..;/ traversal", DENY, () => get("/app/public/..;/admin"), NC],
  ["encoded ; after dots ..%3B/", DENY, () => get("/app/public/..%3B/admin")],
  ["encoded ; jsessionid on admin", DENY, () => get("/open/admin%3Bjsessionid=1"), { as: OPEN }],
  ["encoded ; lower-case %3b", DENY, () => get("/app/public/..%3b/admin")],
  ["trailing dot", DENY, () => get("/app/admin.")],
  ["trailing dot on a deny-list proxy", EITHER, () => get("/open/admin."), { as: OPEN }],
  ["trailing encoded dot", EITHER, () => get("/open/admin%2e"), { as: OPEN }],
  ["trailing encoded space", EITHER, () => get("/open/admin%20"), { as: OPEN }],
  ["upper case", DENY, () => get("/app/ADMIN"), RULE],
  ["mixed case on a deny-list proxy", DENY, () => get("/open/AdMiN/users"), { as: OPEN, ...RULE }],
  ["encoded upper-case letters", DENY, () => get("/app/%41%44%4d%49%4e"), RULE],
  [
    "fullwidth letters, encoded (NFKC → admin)",
    DENY,
    () => get("/open/%EF%BD%81%EF%BD%84%EF%BD%8D%EF%BD%89%EF%BD%8E"),
    { as: OPEN },
  ],
  ["fullwidth letters, raw UTF-8 in the target", DENY, () => get("/open/ａｄｍｉｎ"), { as: OPEN }],
  ["fullwidth full stops as dot-dot", DENY, () => get("/app/public/%EF%BC%8E%EF%BC%8E/admin")],
  ["two-dot leader U+2025", DENY, () => get("/app/public/%E2%80%A5/admin")],
  ["fullwidth solidus U+FF0F", DENY, () => get("/app/public/..%EF%BC%8Fadmin")],
  ["small full stops U+FE52", DENY, () => get("/app/public/%EF%B9%92%EF%B9%92/admin")],
  ["mathematical bold a U+1D41A", DENY, () => get("/open/%F0%9D%90%9Admin"), { as: OPEN }],
  ["Kelvin sign in a deny-list path", EITHER, () => get("/open/%E2%84%AAey"), { as: OPEN }],
  ["dotless i (no ASCII fold)", EITHER, () => get("/open/adm%C4%B1n"), { as: OPEN }],
  ["NUL byte", DENY, () => get("/app/admin%00"), NC],
  ["NUL byte after dots", DENY, () => get("/app/public/..%00/admin"), NC],
  ["encoded tab", DENY, () => get("/app/admin%09"), NC],
  [
    "raw tab in the target",
    DENY,
    () => latin1("GET /app/ad\tmin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
  ],
  ["encoded newline", DENY, () => get("/app/admin%0a"), NC],
  ["encoded CRLF header injection", DENY, () => get("/app/public%0d%0aX-Injected:%201"), NC],
  ["DEL byte", DENY, () => get("/app/admin%7f"), NC],
  ["fragment after admin", DENY, () => get("/app/admin#/public"), RULE],
  ["encoded fragment", EITHER, () => get("/open/admin%23"), { as: OPEN }],
  ["encoded question mark", EITHER, () => get("/open/admin%3F"), { as: OPEN }],
  ["query that looks like a path", DENY, () => get("/app/admin?/public"), RULE],
  ["absolute-form target", DENY, () => get("http://127.0.0.1/app/admin"), RULE],
  ["absolute-form target naming another host", DENY, () => get("http://evil.example/app/admin"), RULE],
  ["absolute-form https target", DENY, () => get("https://127.0.0.1:1/app/admin"), RULE],
  ["empty proxy segment", DENY, () => get("//app/admin")],
  ["encoded proxy segment", DENY, () => get("/%61pp/admin"), { code: "unknown-proxy" }],
  ["dot-dot across proxies", EITHER, () => get("/open/../app/admin"), { as: OPEN }],
  ["asterisk target", DENY, () => get("*", [], "OPTIONS")],
  ["admin/. resolves to admin/", DENY, () => get("/app/admin/."), RULE],
  ["four dots are a name", EITHER, () => get("/app/public/..../admin")],
  ["dots and an encoded space are a name", EITHER, () => get("/app/public/..%20/admin")],
  ["encoded sub-delimiter %21 before admin", EITHER, () => get("/app/public/%21/../../admin")],
  ["custom verb :export", DENY, () => get("/open/reports/1:export"), { as: OPEN, ...RULE }],
  ["custom verb with an encoded colon %3A", DENY, () => get("/open/reports/1%3Aexport"), { as: OPEN }],
  ["custom verb with an encoded colon %3a", DENY, () => get("/open/reports/1%3aexport"), { as: OPEN }],
];

const METHODS: Row[] = [
  ["control: read an order", ALLOW, () => get("/app/orders/1")],
  ["DELETE an order", DENY, () => get("/app/orders/1", [], "DELETE"), { code: "default-denied" }],
  [
    "X-HTTP-Method-Override: DELETE",
    EITHER,
    () => get("/app/orders/1", [["X-HTTP-Method-Override", "DELETE"]]),
  ],
  ["X-HTTP-Method: DELETE", EITHER, () => get("/app/orders/1", [["X-HTTP-Method", "DELETE"]])],
  ["X-Method-Override: DELETE", EITHER, () => get("/app/orders/1", [["X-Method-Override", "DELETE"]])],
  [
    "override header with underscores",
    EITHER,
    () => get("/app/orders/1", [["X_HTTP_METHOD_OVERRIDE", "DELETE"]]),
  ],
  [
    "override header named in Connection",
    EITHER,
    () =>
      get("/app/orders/1", [
        ["Connection", "x-http-method-override"],
        ["X-HTTP-Method-Override", "DELETE"],
      ]),
  ],
  ["_method query parameter", EITHER, () => get("/app/orders/1?_method=DELETE")],
  ["encoded _method parameter", EITHER, () => get("/app/orders/1?%5Fmethod=DELETE")],
  ["_method after a ; separator", EITHER, () => get("/app/orders/1?x=1;_method=DELETE")],
  ["lower-case method", DENY, () => get("/app/orders/1", [], "delete")],
  ["mixed-case method", DENY, () => get("/app/orders/1", [], "Delete")],
  ["unknown method", DENY, () => get("/app/public/x", [], "FOO")],
  ["HEAD on admin", DENY, () => get("/app/admin", [], "HEAD"), { head: true, ...RULE }],
  ["control: HEAD on public", ALLOW, () => get("/app/public/x", [], "HEAD"), { head: true }],
  ["TRACE", DENY, () => get("/app/public/x", [], "TRACE")],
  ["OPTIONS on admin", DENY, () => get("/app/admin", [], "OPTIONS"), RULE],
  ["CONNECT", DENY, () => http1("CONNECT", "127.0.0.1:80", [reader])],
  ["PROPFIND on admin", DENY, () => get("/app/admin", [], "PROPFIND"), RULE],
  ["PATCH an order", DENY, () => get("/app/orders/1", [], "PATCH")],
  ["POST without write access", DENY, () => http1("POST", "/app/orders", [reader, json], "{}")],
  [
    "double space in the request line",
    DENY,
    () =>
      latin1(`GET  /app/admin HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.reader}\r\nConnection: close\r\n\r\n`),
  ],
  [
    "HTTP/1.0 request",
    DENY,
    () => latin1(`GET /app/admin HTTP/1.0\r\nHost: x\r\nx-api-key: ${KEYS.reader}\r\n\r\n`),
  ],
  ["HTTP/0.9 request line", DENY, () => latin1("GET /app/admin\r\n\r\n")],
];

const HEADERS: Row[] = [
  ["X-Original-URL: /admin", EITHER, () => get("/app/public/x", [["X-Original-URL", "/admin"]])],
  ["X-Rewrite-URL: /admin", EITHER, () => get("/app/public/x", [["X-Rewrite-URL", "/admin"]])],
  ["X_Original_URL with underscores", EITHER, () => get("/app/public/x", [["X_Original_URL", "/admin"]])],
  ["tenant evil", DENY, () => get("/app/public/x", [["x-tenant", "evil"]]), RULE],
  ["tenant header in upper case", DENY, () => get("/app/public/x", [["X-TENANT", "evil"]]), RULE],
  [
    "tenant twice",
    DENY,
    () =>
      get("/app/public/x", [
        ["x-tenant", "acme"],
        ["x-tenant", "evil"],
      ]),
    {
      code: "ambiguous-request",
    },
  ],
  ["tenant under an underscore alias", EITHER, () => get("/app/public/x", [["x_tenant", "evil"]])],
  [
    "tenant and its underscore alias",
    EITHER,
    () =>
      get("/app/public/x", [
        ["x-tenant", "acme"],
        ["x_tenant", "evil"],
      ]),
  ],
  ["tenant by obs-fold", DENY, () => get("/app/public/x", [["x-tenant", "acme\r\n evil"]])],
  ["space before the colon", DENY, () => get("/app/public/x", [["x-tenant ", "evil"]])],
  ["NUL in a header value", DENY, () => get("/app/public/x", [["x-tenant", "acme\0evil"]])],
  ["tenant with trailing whitespace", DENY, () => get("/app/public/x", [["x-tenant", "evil \t"]]), RULE],
  ["tenant as a comma list", EITHER, () => get("/app/public/x", [["x-tenant", "acme, evil"]])],
  [
    "obs-text (latin-1) tenant",
    EITHER,
    () =>
      latin1(
        `GET /app/public/x HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEYS.reader}\r\nx-tenant: \xe9vil\r\nConnection: close\r\n\r\n`,
      ),
  ],
  ["X-Forwarded-For spoofing", EITHER, () => get("/app/public/x", [["X-Forwarded-For", "10.0.0.1"]])],
  ["X-Forwarded-Host spoofing", EITHER, () => get("/app/public/x", [["X-Forwarded-Host", "admin.internal"]])],
  [
    "Forwarded header spoofing",
    EITHER,
    () => get("/app/public/x", [["Forwarded", "for=10.0.0.1;host=admin"]]),
  ],
  ["X-Real-IP spoofing", EITHER, () => get("/app/public/x", [["X-Real-IP", "10.0.0.1"]])],
  [
    "Host routes to a deny-list proxy",
    DENY,
    () => get("/admin", [["Host", "open.test"]]),
    { as: OPEN, ...RULE },
  ],
  ["Host in upper case", DENY, () => get("/admin", [["Host", "OPEN.TEST"]]), { as: OPEN, ...RULE }],
  ["Host with a port", DENY, () => get("/admin", [["Host", "open.test:8080"]]), { as: OPEN, ...RULE }],
  ["Host with a trailing dot", DENY, () => get("/admin", [["Host", "open.test."]])],
  [
    "Host twice",
    DENY,
    () =>
      get("/admin", [
        ["Host", "open.test"],
        ["Host", "127.0.0.1"],
      ]),
    NC,
  ],
  [
    "Host twice, other order",
    DENY,
    () =>
      get("/open/admin", [
        ["Host", "127.0.0.1"],
        ["Host", "open.test"],
      ]),
    NC,
  ],
  ["no Host header", DENY, () => http1("GET", "/app/admin", [reader], undefined, { host: false })],
  [
    "absolute-form target against Host routing",
    DENY,
    () => get("http://127.0.0.1/admin", [["Host", "open.test"]]),
    { as: OPEN, ...RULE },
  ],
  ["oversized header", DENY, () => get("/app/admin", [["x-pad", "a".repeat(40_000)]])],
  [
    "2,000 filler headers before the tenant",
    EITHER,
    () =>
      get("/app/public/x", [
        ...Array.from({ length: 2000 }, (_, i) => [`x-f${i}`, "1"] as const),
        ["x-tenant", "evil"],
      ]),
  ],
  [
    "Connection names the tenant header",
    DENY,
    () =>
      get("/app/public/x", [
        ["Connection", "close, x-tenant"],
        ["x-tenant", "evil"],
      ]),
    RULE,
  ],
  ["Expect: 100-continue on admin", DENY, () => get("/app/admin", [["Expect", "100-continue"]]), RULE],
];

const QUERIES: Row[] = [
  ["debug=1", DENY, () => get("/app/public/x?debug=1"), RULE],
  ["debug without a value", DENY, () => get("/app/public/x?debug"), RULE],
  ["debug with an empty value", DENY, () => get("/app/public/x?debug="), RULE],
  ["debug second", DENY, () => get("/app/public/x?x=1&debug=1"), RULE],
  ["encoded name %64ebug", DENY, () => get("/app/public/x?%64ebug=1"), RULE],
  ["debug twice", DENY, () => get("/app/public/x?debug=0&debug=1")],
  ["debug after a ; separator", EITHER, () => get("/app/public/x?x=1;debug=1")],
  ["debug inside an encoded &", EITHER, () => get("/app/public/x?x=1%26debug=1")],
  ["debug inside an encoded ;", EITHER, () => get("/app/public/x?x=1%3Bdebug=1")],
  ["DEBUG in upper case", EITHER, () => get("/app/public/x?DEBUG=1")],
  ["debug with a NUL", EITHER, () => get("/app/public/x?debug%00=1")],
  ["debug[] (PHP array)", EITHER, () => get("/app/public/x?debug[]=1")],
  ["space-led name +debug", EITHER, () => get("/app/public/x?+debug=1")],
  ["empty pair before debug", DENY, () => get("/app/public/x?x=1&&debug=1"), RULE],
  ["debug before a fragment", DENY, () => get("/app/public/x?debug=1#x"), RULE],
  ["encoded pair in a value", EITHER, () => get("/app/public/x?x=%26debug%3D1")],
  [
    "api key twice in the query",
    DENY,
    () => http1("GET", `/app/public/x?api_key=${KEYS.query}&api_key=${KEYS.query}`),
    UNAUTH,
  ],
  [
    "api key in query and header",
    DENY,
    () => http1("GET", `/app/public/x?api_key=${KEYS.query}`, [["x-api-key", KEYS.query]]),
    UNAUTH,
  ],
  [
    "api key after a ; separator",
    DENY,
    () => http1("GET", `/app/public/x?x=1;api_key=${KEYS.query}`),
    UNAUTH,
  ],
  [
    "api key in the query, debug after ;",
    EITHER,
    () => http1("GET", `/app/public/x?api_key=${KEYS.query}&x=1;debug=1`),
    { as: { proxy: "app", credential: "by-query" } },
  ],
];

const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

const BODY_ROWS: Row[] = [
  ["control: small order", ALLOW, () => order('{"amount":5}'), {}],
  ["large amount", DENY, () => order('{"amount":99999}'), RULE],
  ["duplicate keys", DENY, () => order('{"amount":5,"amount":99999}'), { code: "ambiguous-request" }],
  [
    "duplicate keys through an escape",
    DENY,
    () => order('{"amount":5,"\\u0061mount":99999}'),
    {
      code: "ambiguous-request",
    },
  ],
  ["role escalation", DENY, () => order('{"amount":5,"role":"admin"}'), RULE],
  ["role value escaped", DENY, () => order('{"role":"\\u0061dmin"}'), RULE],
  ["nesting 100 deep", DENY, () => order(deep(100)), { code: "body-not-inspectable" }],
  ["number beyond double range", DENY, () => order('{"amount":1e400}'), { code: "body-not-inspectable" }],
  ["exponent amount 1e5", DENY, () => order('{"amount":1e5}'), RULE],
  ["fractional amount 99999.0", DENY, () => order('{"amount":99999.0}'), RULE],
  ["amount as a string", DENY, () => order('{"amount":"99999"}'), RULE],
  ["30-digit amount", DENY, () => order('{"amount":123456789012345678901234567890}'), RULE],
  [
    "invalid UTF-8",
    DENY,
    () => order(Buffer.from([0x7b, 0x22, 0x61, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
    {
      code: "body-not-inspectable",
    },
  ],
  ["UTF-8 byte order mark", DENY, () => order(Buffer.from('\uFEFF{"amount":99999}', "utf8"))],
  [
    "UTF-16 body",
    DENY,
    () =>
      order(Buffer.from('{"amount":99999}', "utf16le"), [
        ["Content-Type", "application/json; charset=utf-16le"],
      ]),
  ],
  ["text/plain JSON", DENY, () => order('{"amount":99999}', [["Content-Type", "text/plain"]])],
  ["form body", DENY, () => order("amount=99999", [form])],
  ["form type with an empty body", EITHER, () => order("", [form])],
  ["form type, JSON-shaped body", DENY, () => order('{"x":"&amount=99999&"}', [form])],
  ["form type, role in a JSON string", DENY, () => order('{"x":"&role=admin"}', [form])],
  ["duplicate Content-Type (JSON, then form)", DENY, () => order('{"x":"&amount=99999&"}', [json, form])],
  ["__proto__ key", EITHER, () => order('{"amount":5,"__proto__":{"role":"admin"}}')],
  ["constructor.prototype key", EITHER, () => order('{"constructor":{"prototype":{"role":"admin"}}}')],
  [
    "gzip-encoded body",
    DENY,
    () => order(gzipSync('{"amount":99999}'), [json, ["Content-Encoding", "gzip"]]),
  ],
  [
    "chunked body",
    DENY,
    () => order("10\r\n" + '{"amount":99999}' + "\r\n0\r\n\r\n", [json, ["Transfer-Encoding", "chunked"]]),
    RULE,
  ],
  [
    "body over the inspection limit",
    DENY,
    () => order(`{"amount":5,"pad":"${"x".repeat(5000)}"}`),
    {
      code: "body-too-large",
    },
  ],
  ["trailing garbage", DENY, () => order('{"amount":5}x')],
  ["two documents", DENY, () => order('{"amount":5}{"amount":99999}')],
  ["comment", DENY, () => order('{"amount":5 /* 99999 */}')],
  ["NaN", DENY, () => order('{"amount":NaN}')],
  ["leading zeros", DENY, () => order('{"amount":099999}')],
  ["single quotes", DENY, () => order("{'amount':99999}")],
  [
    "+json media type",
    DENY,
    () => order('{"amount":99999}', [["Content-Type", "application/merge-patch+json"]]),
    RULE,
  ],
  [
    "GET with a body",
    EITHER,
    () => http1("GET", "/app/orders", [reader, json], '{"amount":99999}'),
    {
      as: { proxy: "app", credential: "reader" },
    },
  ],
  ["key with a NUL escape", EITHER, () => order('{"amount\\u0000":99999}')],
];

// Bodies are sent by the writer: a forwarded one is judged as the writer's request.
const WRITER = { proxy: "app", credential: "writer" };
const BODIES: Row[] = BODY_ROWS.map(([name, expect, send, extra]) => [
  name,
  expect,
  send,
  { as: WRITER, ...extra },
]);

const AUTH: Row[] = [
  ["no credential", DENY, () => http1("GET", "/app/public/x"), UNAUTH],
  ["wrong api key", DENY, () => http1("GET", "/app/public/x", [["x-api-key", "guess"]]), UNAUTH],
  ["api key twice", DENY, () => http1("GET", "/app/public/x", [reader, reader]), UNAUTH],
  [
    "key of a credential the proxy does not accept",
    DENY,
    () => http1("GET", "/app/public/x", [["x-api-key", KEYS.stranger]]),
    { code: "credential-not-accepted" },
  ],
  [
    "api key under x_api_key",
    DENY,
    () => http1("GET", "/app/public/x", [["x_api_key", KEYS.reader]]),
    UNAUTH,
  ],
  ["JWT alg none", DENY, (t) => bearer(t.algNone), UNAUTH],
  ["JWT alg NONE", DENY, (t) => bearer(t.algNoneUpper), UNAUTH],
  ["HS256 signed with the RSA public key (PEM)", DENY, (t) => bearer(t.hsWithPublicPem), UNAUTH],
  ["HS256 signed with the RSA public key (JWK)", DENY, (t) => bearer(t.hsWithPublicJwk), UNAUTH],
  ["RS256 token for the HS issuer", DENY, (t) => bearer(t.rsForHsIssuer), UNAUTH],
  ["HS256 with a wrong secret", DENY, (t) => bearer(t.hsWrongSecret), UNAUTH],
  ["expired token", DENY, (t) => bearer(t.expired), UNAUTH],
  ["wrong audience", DENY, (t) => bearer(t.wrongAudience), UNAUTH],
  ["unknown issuer", DENY, (t) => bearer(t.wrongIssuer), UNAUTH],
  ["not yet valid (nbf)", DENY, (t) => bearer(t.notYetValid), UNAUTH],
  ["known kid, attacker's key", DENY, (t) => bearer(t.sameKidOtherKey), UNAUTH],
  ["jku pointing at the attacker", DENY, (t) => bearer(t.jkuAttacker), UNAUTH],
  ["kid path traversal", DENY, (t) => bearer(t.kidTraversal), UNAUTH],
  ["unknown crit header", DENY, (t) => bearer(t.unknownCrit), UNAUTH],
  ["payload swapped under a valid signature", DENY, (t) => bearer(t.tamperedPayload), UNAUTH],
  ["signature stripped", DENY, (t) => bearer(t.strippedSignature), UNAUTH],
  ["unknown kid flood", DENY, (t) => bearer(t.unknownKid()), { repeat: 20, ...UNAUTH }],
  ["empty bearer", DENY, () => http1("GET", "/app/public/x", [["Authorization", "Bearer"]]), UNAUTH],
  ["bearer with two tokens", DENY, (t) => bearer(`${t.valid} ${t.valid}`), UNAUTH],
  ["Authorization twice", DENY, (t) => bearer(t.valid, [["Authorization", `Bearer ${t.valid}`]]), UNAUTH],
  ["valid token and an api key", DENY, (t) => bearer(t.valid, [reader]), UNAUTH],
  ["token in the query", DENY, (t) => http1("GET", `/app/public/x?access_token=${t.valid}`), UNAUTH],
  ["control: valid RS256 token", ALLOW, (t) => bearer(t.valid), { as: { proxy: "app", credential: "sso" } }],
  ["control: valid HS256 token", ALLOW, (t) => bearer(t.validHs), { as: { proxy: "app", credential: "hs" } }],
  [
    "lower-case bearer scheme",
    EITHER,
    (t) => http1("GET", "/app/public/x", [["Authorization", `bearer ${t.valid}`]]),
    { as: { proxy: "app", credential: "sso" } },
  ],
  [
    "control: Basic with a UTF-8 password",
    ALLOW,
    () => basic(`${BASIC_USER}:${BASIC_PASSWORD}`),
    {
      as: { proxy: "app", credential: "alice" },
    },
  ],
  [
    "Basic with a latin-1 password",
    DENY,
    () => basic(Buffer.from(`${BASIC_USER}:wünderland`, "latin1")),
    UNAUTH,
  ],
  [
    "Basic with an NFD password",
    DENY,
    () => basic(`${BASIC_USER}:${BASIC_PASSWORD.normalize("NFD")}`),
    UNAUTH,
  ],
  ["Basic with a wrong password", DENY, () => basic(`${BASIC_USER}:wonderland`), UNAUTH],
  ["Basic without a colon", DENY, () => basic(BASIC_USER), UNAUTH],
  ["Basic with a fullwidth user name", DENY, () => basic(`ａｌｉｃｅ:${BASIC_PASSWORD}`), UNAUTH],
  ["Basic not base64", DENY, () => http1("GET", "/app/public/x", [["Authorization", "Basic %%%"]]), UNAUTH],
];

const ALL: Row[] = [...PATHS, ...METHODS, ...HEADERS, ...QUERIES, ...BODIES, ...AUTH];

export const ATTEMPTS: readonly Attempt[] = ALL.map(([name, expect, send, extra]) => ({
  name,
  expect,
  send,
  ...extra,
}));
