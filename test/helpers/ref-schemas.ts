// Loads CRD schemas from the shared reference folder (next to the repository, or
// IMAGE_FACTORY_REF_DIR). A clone without it skips the schema tests and says so.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

export const REF_DIR = process.env.IMAGE_FACTORY_REF_DIR ?? path.resolve(REPO_ROOT, "..", "shared", "ref");

export function refFile(relative: string): string | undefined {
  const file = path.join(REF_DIR, relative);
  return fs.existsSync(file) ? file : undefined;
}

type Schema = Record<string, unknown>;

/**
 * The API server drops fields a structural schema does not name; close every object that
 * lists its properties, so a misspelt field fails here instead of vanishing in the cluster.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== "object") return schema;
  const s = schema as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, closed(ps)])) : closed(v);
  if (s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
  return out;
}

/** A validator for one served version of a CRD file under the reference folder. */
export function crdValidator(relative: string, version: string): ValidateFunction {
  const file = refFile(relative);
  if (!file) throw new Error(`${relative} not found under ${REF_DIR}`);
  const crd = parseAllDocuments(fs.readFileSync(file, "utf8"))
    .map((d) => d.toJS() as { kind?: string; spec?: { versions?: Array<{ name: string; schema?: { openAPIV3Schema?: unknown } }> } })
    .find((d) => d?.kind === "CustomResourceDefinition");
  const schema = crd?.spec?.versions?.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${relative} has no schema for ${version}`);
  // Kubernetes formats (int64, …) and x-kubernetes-* keywords are not JSON Schema's.
  // Patterns are Go (RE2) regexes: no unicode mode, whose escapes are stricter.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
  return ajv.compile(closed(schema) as Schema);
}

/**
 * Validators for Kargo's JSON Schemas (draft 2020-12): `subscriptions/<kind>.json` and
 * `promotion-steps/<step>-config.json`, which the CRDs leave unchecked.
 */
export function kargoJsonSchemas(): { subscription(kind: string): ValidateFunction; step(uses: string): ValidateFunction | undefined } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv2020 = require("ajv/dist/2020").default as typeof Ajv;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
  const dir = path.join(REF_DIR, "kargo-schemas");
  for (const sub of ["promotion-steps", "subscriptions"]) {
    for (const name of fs.readdirSync(path.join(dir, sub)).filter((f) => f.endsWith(".json"))) {
      const schema = JSON.parse(fs.readFileSync(path.join(dir, sub, name), "utf8")) as Schema;
      ajv.addSchema({ ...(withoutMetaSchema(schema) as Schema), $id: `${sub}/${name}` });
    }
  }
  return {
    subscription: (kind) => ajv.getSchema(`subscriptions/${kind}.json`)!,
    step: (uses) => ajv.getSchema(`promotion-steps/${uses}-config.json`),
  };
}

export function ajvErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`).join("; ");
}

/** The files mix draft-07 and 2020-12 `$schema` markers; the keywords they use are common to both. */
function withoutMetaSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutMetaSchema);
  if (!schema || typeof schema !== "object") return schema;
  return Object.fromEntries(Object.entries(schema as Schema).filter(([k]) => k !== "$schema").map(([k, v]) => [k, withoutMetaSchema(v)]));
}

/** A string holding a Kargo expression (`${{ … }}` or `${% … %}`), evaluated only at promotion time. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && (value.includes("${{") || value.includes("${%"));
}

/** Keywords about a value's type or form, which an expression string cannot meet until Kargo evaluates it. */
const VALUE_KEYWORDS = new Set(["type", "pattern", "format", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "maxLength"]);

function at(data: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), data);
}

/**
 * Validates a step config the way Kargo will see it: Kargo evaluates every `${{ }}`/`${% %}`
 * first (coercing a result such as "3" or "true" to a number or bool) and validates after.
 * So a value-level error (type, pattern, enum, …) on a string that holds an expression is not
 * an error yet; everything structural (unknown or missing fields, wrong nesting) still is. A
 * oneOf/anyOf that fails only because of such a value is reported (a false alarm, never a
 * false pass). Returns the remaining errors as text, or undefined when valid.
 */
export function stepConfigErrors(validate: ValidateFunction, config: unknown): string | undefined {
  if (validate(config)) return undefined;
  const remaining = (validate.errors ?? []).filter((e) => !(VALUE_KEYWORDS.has(e.keyword) && isExpression(at(config, e.instancePath))));
  if (remaining.length === 0) return undefined;
  return remaining.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`).join("; ");
}
