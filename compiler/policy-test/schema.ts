// Test file shape: ajv (2020) over schemas/policy-test.schema.json, errors turned into
// catalogue diagnostics at the exact key or value, as for policy documents.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { DecisionRequest } from "../../runtime/decision/types.ts";
import type { DiagnosticCode } from "../diagnostics/catalogue.ts";
import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import { type DocumentPath, valueAt } from "../load/source.ts";
import { packageRoot } from "../package-root.ts";
import { closest } from "../validate/suggest.ts";
import type { Expectation, LocatedDocument, TestFile } from "./types.ts";

// ajv is CommonJS: under NodeNext its default import is the module object.
const Ajv2020 = Ajv2020Module.default;
let validator: ValidateFunction | null = null;

function testValidator(): ValidateFunction {
  if (validator) return validator;
  const path = join(packageRoot(), "schemas", "policy-test.schema.json");
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  validator = ajv.compile(JSON.parse(readFileSync(path, "utf8")));
  return validator;
}

/** The typed test file, or null (with diagnostics) when it does not have the test file shape. */
export function checkTestDocument(source: LocatedDocument, diagnostics: DiagnosticBag): TestFile | null {
  const validate = testValidator();
  if (!validate(source.document)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const path = toDocumentPath(source.document, error.instancePath);
      const found = describe(error, path);
      const key = `${found.code}:${error.instancePath}:${found.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const span = source.locate(found.path, found.part);
      diagnostics.report(found.code, { message: found.message, span, help: found.help });
    }
    return null;
  }
  const document = source.document as {
    cases: { name: string; request: DecisionRequest; expect: Expectation }[];
  };
  return {
    path: source.path,
    cases: document.cases.map((item, index) => ({
      name: item.name,
      request: item.request,
      expect: item.expect,
      span: source.locate(["cases", index, "name"]),
    })),
  };
}

interface Described {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly path: DocumentPath;
  readonly part: "key" | "value";
  readonly help?: string;
}

function describe(error: ErrorObject, path: DocumentPath): Described {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      const suggestion = closest(field, known);
      const help = suggestion
        ? `did you mean \`${suggestion}\`?`
        : `known fields: ${known.map((name) => `\`${name}\``).join(", ")}`;
      return {
        code: "RRC2001",
        message: `unknown field \`${field}\``,
        path: [...path, field],
        part: "key",
        help,
      };
    }
    case "required":
      return {
        code: "RRC2003",
        message: `missing required field \`${String(params.missingProperty)}\``,
        path,
        part: "value",
      };
    case "type":
      return {
        code: "RRC2002",
        message: `expected ${String(params.type).replace(/,/g, " or ")}, found ${kindOf(error.data)}`,
        path,
        part: "value",
      };
    case "enum": {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
      return {
        code: "RRC2004",
        message: `\`${String(error.data)}\` is not allowed here`,
        path,
        part: "value",
        help: `expected one of ${allowed.map((value) => `\`${String(value)}\``).join(", ")}`,
      };
    }
    case "minimum":
    case "maximum":
      return {
        code: "RRC2006",
        message: `\`${String(error.data)}\` is out of range (${error.message ?? ""})`,
        path,
        part: "value",
      };
    case "minProperties":
      return {
        code: "RRC2003",
        message: "`expect` names nothing to check",
        path,
        part: "value",
        help: "give at least one of `verdict`, `status`, `code`, `scope`, `rule`",
      };
    case "minItems":
      return { code: "RRC2007", message: "a test file needs at least one case", path, part: "value" };
    case "minLength":
      return { code: "RRC2007", message: "a case needs a non-empty name", path, part: "value" };
    default:
      return {
        code: "RRC2007",
        message: `invalid value at \`/${path.join("/")}\`: ${error.message ?? error.keyword}`,
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
