// Shape validation with ajv against schemas/policy.schema.json. ajv's errors are turned
// into catalogue diagnostics at the exact key or value, with a suggestion for typos.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import type { DocumentPath, PolicySource } from "../load/source.ts";
import { valueAt } from "../load/source.ts";
import { packageRoot } from "../package-root.ts";
import { closest } from "./suggest.ts";

// ajv is CommonJS: under NodeNext its default import is the module object.
const Ajv2020 = Ajv2020Module.default;
let validator: ValidateFunction | null = null;

function policyValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(join(packageRoot(), "schemas", "policy.schema.json"), "utf8"));
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  validator = ajv.compile(schema);
  return validator;
}

const SECRET_FIELDS = new Set(["secret", "password", "clientSecret"]);
const DIGEST_LISTS = new Set(["keys", "tokens"]);

/** Returns false when the document does not have the policy shape. */
export function validateShape(source: PolicySource, diagnostics: DiagnosticBag): boolean {
  const validate = policyValidator();
  if (validate(source.document)) return true;
  const seen = new Set<string>();
  let reported = 0;
  for (const error of validate.errors ?? []) {
    if (error.keyword === "if" || error.keyword === "oneOf" || error.keyword === "anyOf") continue;
    const path = toDocumentPath(source.document, error.instancePath);
    const diagnostic = describe(error, path);
    const key = `${diagnostic.code}:${error.instancePath}:${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reported++;
    const span = source.locate(diagnostic.path, diagnostic.part);
    diagnostics.report(diagnostic.code, { message: diagnostic.message, span, help: diagnostic.help });
  }
  // ajv reported only combinator errors: still a shape error, said once.
  if (reported === 0) {
    diagnostics.report("RRC2007", {
      message: "document does not match the policy schema",
      span: source.locate([]),
    });
  }
  return false;
}

interface Described {
  code: DiagnosticCode;
  message: string;
  path: DocumentPath;
  part: "key" | "value";
  help?: string;
}

function describe(error: ErrorObject, path: DocumentPath): Described {
  const last = path[path.length - 1];
  const parentKey = path[path.length - 2];
  const data = error.data;
  if (
    error.keyword === "type" &&
    typeof data === "string" &&
    typeof last === "string" &&
    SECRET_FIELDS.has(last)
  ) {
    return {
      code: "RRC3003",
      message: "plaintext secret in policy",
      path,
      part: "value",
      help: 'reference it instead: `{ "env": "NAME" }`, `{ "file": "path" }` or `{ "encrypted": "…" }` (rrc secret encrypt)',
    };
  }
  if (error.keyword === "pattern" && typeof parentKey === "string" && DIGEST_LISTS.has(parentKey)) {
    return {
      code: "RRC3004",
      message: "credential key is not a SHA-256 digest",
      path,
      part: "value",
      help: "store `sha256:<64 hex digits>` of the key, never the key itself",
    };
  }
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(error.params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      const suggestion = closest(field, known);
      return {
        code: "RRC2001",
        message: `unknown field \`${field}\``,
        path: [...path, field],
        part: "key",
        help: suggestion
          ? `did you mean \`${suggestion}\`?`
          : `known fields: ${known.map((k) => `\`${k}\``).join(", ")}`,
      };
    }
    case "required":
      return {
        code: "RRC2003",
        message: `missing required field \`${String(error.params.missingProperty)}\``,
        path,
        part: "value",
      };
    case "type":
      return {
        code: "RRC2002",
        message: `expected ${String(error.params.type)}, found ${kindOf(data)}`,
        path,
        part: "value",
      };
    case "enum":
    case "const": {
      const allowed = (error.params.allowedValues as unknown[] | undefined) ?? [error.params.allowedValue];
      return {
        code: "RRC2004",
        message: `\`${String(data)}\` is not allowed here`,
        path,
        part: "value",
        help: `expected one of ${allowed.map((value) => `\`${String(value)}\``).join(", ")}`,
      };
    }
    case "pattern":
      if (last === "id" || (typeof parentKey === "string" && parentKey === "credentials")) {
        return {
          code: "RRC2005",
          message: `invalid id \`${String(data)}\``,
          path,
          part: "value",
          help: "ids are 1–63 characters: lowercase letters, digits, `_` and `-`, starting with a letter or digit",
        };
      }
      return {
        code: "RRC2007",
        message: `\`${String(data)}\` does not have the expected form`,
        path,
        part: "value",
        help: `expected to match \`${String(error.params.pattern)}\``,
      };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        code: "RRC2006",
        message: `\`${String(data)}\` is out of range (${error.message ?? ""})`,
        path,
        part: "value",
      };
    default:
      return {
        code: "RRC2007",
        message: `invalid value at \`${pointer(path)}\`: ${error.message ?? error.keyword}`,
        path,
        part: "value",
      };
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function pointer(path: DocumentPath): string {
  return path.length === 0 ? "/" : `/${path.join("/")}`;
}

function toDocumentPath(document: unknown, instancePath: string): DocumentPath {
  if (instancePath === "") return [];
  const path: (string | number)[] = [];
  for (const raw of instancePath.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const parent = valueAt(document, path);
    path.push(Array.isArray(parent) && /^\d+$/.test(segment) ? Number(segment) : segment);
  }
  return path;
}
