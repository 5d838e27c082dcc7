/**
 * Turns zod's findings into user-facing problems: the field path, the line, and for an
 * unknown key the nearest known one ("did you mean rebuildDelay?").
 */
import type { z } from "zod";
import type { Problem } from "./errors";
import type { SourcedYaml } from "./yaml-source";

type Path = ReadonlyArray<string | number>;

export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Validates `value` (found at `basePath` of `yaml`) against `schema`, collecting every problem. */
export function validateWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  ctx: { yaml: SourcedYaml; basePath: Path; subject?: string },
): { ok: true; value: z.output<S> } | { ok: false; problems: Problem[] } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const problems: Problem[] = [];
  for (const issue of result.error.issues.flatMap((i) => unionBranchIssues(i, value))) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const suggestion = suggest(key, known);
        problems.push({
          file: ctx.yaml.file,
          line: ctx.yaml.lineOfKey([...ctx.basePath, ...path], key),
          subject: ctx.subject,
          field: formatPath([...path, key]),
          message: `unknown key ${key}${suggestion ? `, did you mean ${suggestion}?` : known.length ? ` (known keys: ${known.join(", ")})` : ""}`,
        });
      }
      continue;
    }
    const actual = valueAt(value, path);
    problems.push({
      file: ctx.yaml.file,
      line: ctx.yaml.lineOf([...ctx.basePath, ...path]),
      subject: ctx.subject,
      field: formatPath(path) || undefined,
      message: describeIssue(issue, actual),
    });
  }
  return { ok: false, problems };
}

/**
 * A union such as `false | {failOn, ...}` fails as one "invalid_union" issue, which hides
 * what is wrong inside the mapping. When the value is a mapping or a list and exactly one
 * branch got past its type check (its issues lie deeper than the union), that branch's
 * issues are the useful ones: report them, under the union's path.
 */
function unionBranchIssues(issue: z.core.$ZodIssue, value: unknown): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const at = valueAt(value, issue.path.filter((p): p is string | number => typeof p !== "symbol"));
  if (at === null || typeof at !== "object") return [issue];
  const deeper = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0 || i.code === "unrecognized_keys" || i.code === "custom"));
  if (deeper.length !== 1) return [issue];
  return deeper[0].flatMap((i) => unionBranchIssues({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue, value));
}

function describeIssue(issue: z.core.$ZodIssue, actual: unknown): string {
  if (issue.code === "invalid_type") {
    if (actual === undefined) return "is required";
    if (actual === null) return `must not be empty (expected ${issue.expected})`;
    // Custom messages passed to the schema are kept; zod's generic ones are rephrased.
    if (!issue.message.startsWith("Invalid input")) return `${issue.message}, got ${typeName(actual)}`;
    return `must be ${article(issue.expected)}, got ${typeName(actual)}`;
  }
  if (issue.code === "invalid_key") {
    // A record key failed its own schema; its message is the useful one.
    return issue.issues[0]?.message ?? issue.message;
  }
  if (issue.code === "invalid_value" && !issue.message.startsWith("Invalid")) {
    return `${issue.message}, got ${JSON.stringify(actual)}`;
  }
  if (issue.code === "invalid_format" || issue.code === "custom" || issue.code === "too_big" || issue.code === "too_small") {
    if (typeof actual === "string" && issue.code !== "custom") return `${issue.message}, got ${JSON.stringify(actual)}`;
    if (typeof actual === "string" && issue.code === "custom" && actual.length < 120) return `${issue.message}, got ${JSON.stringify(actual)}`;
  }
  return issue.message;
}

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object" || expected === "record") return "a mapping";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function valueAt(value: unknown, path: Path): unknown {
  let cur: unknown = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// Known keys, for suggestions. Walks zod's schema definitions down the issue path.

type AnyDef = { type: string; [k: string]: unknown };

function defOf(schema: unknown): AnyDef | undefined {
  return (schema as { _zod?: { def?: AnyDef } })?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let cur = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(cur);
    if (!def) return cur;
    if (def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault" || def.type === "readonly") {
      cur = def.innerType;
    } else if (def.type === "pipe") {
      cur = def.in;
    } else {
      return cur;
    }
  }
  return cur;
}

/** A union with exactly one mapping among its options (e.g. `false | {...}`) stands for that mapping. */
function mappingOption(schema: unknown): unknown {
  const def = defOf(schema);
  if (def?.type !== "union") return schema;
  const objects = (def.options as unknown[]).map(unwrap).filter((o) => defOf(o)?.type === "object");
  return objects.length === 1 ? objects[0] : schema;
}

export function knownKeysAt(schema: unknown, path: Path): string[] {
  let cur = mappingOption(unwrap(schema));
  for (const seg of path) {
    cur = mappingOption(cur);
    const def = defOf(cur);
    if (!def) return [];
    if (def.type === "object") cur = unwrap((def.shape as Record<string, unknown>)[String(seg)]);
    else if (def.type === "array") cur = unwrap(def.element);
    else if (def.type === "record") cur = unwrap(def.valueType);
    else return [];
  }
  const def = defOf(mappingOption(cur));
  return def?.type === "object" ? Object.keys(def.shape as object).sort() : [];
}

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swap of two letters counts as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
