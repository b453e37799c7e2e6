// WWW-Authenticate challenges (RFC 9110 §11.6.1): a 401 must carry at least one, and one per scheme the
// gateway accepts, comma-joined (RFC 9110 §11.6.1 allows several challenges in one field value).
import type { ProxyCredential } from "../../compiler/authoring/types.ts";
import type { AuthFailure } from "./types.ts";

const REALM = 'realm="rrc"';

/** Why a 401 happened; it picks the RFC 6750 §3.1 `error` attribute of the Bearer challenge. */
export type Rejection = "missing" | "invalid" | "ambiguous";

export class Challenges {
  readonly #byRejection: Readonly<Record<Rejection, string>>;

  constructor(credentials: readonly ProxyCredential[]) {
    const schemes = new Map<string, string>(); // lower-case scheme → scheme as written
    const add = (scheme: string) => {
      if (!schemes.has(scheme.toLowerCase())) schemes.set(scheme.toLowerCase(), scheme);
    };
    const kinds = new Set(credentials.map((c) => c.auth.type));
    // Fixed order so that the header does not depend on declaration order.
    if (kinds.has("jwt") || kinds.has("jwks") || kinds.has("oauth2")) add("Bearer");
    for (const c of credentials) if (c.auth.type === "bearer") add(c.auth.prefix ?? "Bearer");
    if (kinds.has("basic")) add("Basic");
    // API keys have no registered scheme; an extension scheme still tells the caller what is expected.
    if (kinds.has("apiKey")) add("ApiKey");
    if (schemes.size === 0) add("Bearer");

    const build = (error: string | null) =>
      [...schemes.values()]
        .map((scheme) => {
          // RFC 6750 §3: no error code when the request carried no credential at all.
          if (scheme.toLowerCase() === "bearer" && error !== null)
            return `${scheme} ${REALM}, error="${error}"`;
          // RFC 7617 §2.1: the charset parameter announces UTF-8 user-ids and passwords.
          if (scheme === "Basic") return `Basic ${REALM}, charset="UTF-8"`;
          return `${scheme} ${REALM}`;
        })
        .join(", ");
    this.#byRejection = {
      missing: build(null),
      invalid: build("invalid_token"),
      ambiguous: build("invalid_request"),
    };
  }

  reject(rejection: Rejection, reason: string): AuthFailure {
    return {
      ok: false,
      status: 401,
      code: "unauthenticated",
      challenge: this.#byRejection[rejection],
      reason,
    };
  }

  /** The key source or introspection endpoint could not answer: fail closed (SPEC §3). */
  unavailable(reason: string): AuthFailure {
    return {
      ok: false,
      status: 503,
      code: "auth-unavailable",
      challenge: this.#byRejection.missing,
      reason,
    };
  }
}
