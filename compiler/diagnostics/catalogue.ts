// Every user-facing diagnostic, by stable code. Codes are never reused or renumbered;
// test/diagnostics checks they are unique. Messages are short and lowercase, with user
// values in backticks; help text is kept apart.

export type Severity = "error" | "warning";

export interface CatalogueEntry {
  readonly severity: Severity;
  /** What the diagnostic is about, for `rrc check --explain` and the docs. */
  readonly title: string;
}

export const CATALOGUE = {
  // 1xxx: reading sources
  RRC1001: { severity: "error", title: "policy path not found" },
  RRC1002: { severity: "error", title: "malformed JSON" },
  RRC1003: { severity: "error", title: "TypeScript policy does not type-check" },
  RRC1004: { severity: "error", title: "TypeScript policy failed to evaluate" },
  RRC1005: { severity: "error", title: "TypeScript policy has no default export of a policy" },
  RRC1006: { severity: "error", title: "no policy files found" },
  RRC1007: { severity: "error", title: "duplicate key in JSON" },
  // 2xxx: document shape
  RRC2001: { severity: "error", title: "unknown field" },
  RRC2002: { severity: "error", title: "wrong type" },
  RRC2003: { severity: "error", title: "missing required field" },
  RRC2004: { severity: "error", title: "value not allowed" },
  RRC2005: { severity: "error", title: "invalid id" },
  RRC2006: { severity: "error", title: "value out of range" },
  RRC2007: { severity: "error", title: "invalid value" },
  // 3xxx: meaning
  RRC3001: { severity: "error", title: "duplicate id" },
  RRC3002: { severity: "error", title: "reference to a missing entity" },
  RRC3003: { severity: "error", title: "plaintext secret in policy" },
  RRC3004: { severity: "error", title: "credential key is not a SHA-256 digest" },
  RRC3005: { severity: "error", title: "target credential belongs to another target" },
  RRC3006: { severity: "error", title: "invalid JSONPath" },
  RRC3007: { severity: "error", title: "invalid claim path" },
  RRC3008: { severity: "error", title: "invalid target URL" },
  RRC3009: { severity: "warning", title: "proxy accepts no credentials" },
  RRC3010: { severity: "error", title: "duplicate rule id within an entity" },
  RRC3011: { severity: "error", title: "invalid header name" },
  RRC3012: { severity: "error", title: "one key digest names two credentials" },
  RRC3101: { severity: "warning", title: "a longer meter window allows no more than a shorter one" },
  RRC3102: { severity: "error", title: "meter value path cannot select a number" },
  RRC3103: { severity: "warning", title: "meter match can never apply" },
  // 4xxx: regular expressions
  RRC4001: { severity: "error", title: "regex is not valid RE2 syntax" },
  RRC4002: { severity: "error", title: "lookaround cannot run in linear time" },
  RRC4003: { severity: "error", title: "backreference cannot run in linear time" },
  RRC4004: { severity: "warning", title: "regex means something different in RE2 and JavaScript" },
  RRC4005: { severity: "error", title: "unsupported regex flag" },
  // 5xxx: analysis of what rules can match (compiler/analyze)
  RRC5001: { severity: "warning", title: "rule can match no request" },
  RRC5002: { severity: "warning", title: "allow rule is covered by deny rules of its own scope" },
  RRC5003: { severity: "warning", title: "rule is redundant given its scope's default" },
  RRC5004: { severity: "warning", title: "allow rule is always denied by another scope" },
  RRC5005: { severity: "warning", title: "analysis skipped for this rule" },
  // 9xxx: internal
  RRC9001: { severity: "error", title: "internal compiler error" },
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof CATALOGUE;
