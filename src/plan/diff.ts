/**
 * What a change does to the declared resources: two renders' resources.json compared by
 * URN (Pulumi's identity of a resource), field by field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { structuredPatch } from "diff";
import { UserError } from "../config/errors";
import type { RenderedResource } from "../render/render";

export interface FieldChange {
  /** Dotted path inside the resource, e.g. `inputs.spec.interval`. */
  path: string;
  before?: unknown;
  after?: unknown;
  /** For multi-line text: the unified diff (without file headers) and its line counts. */
  patch?: { text: string; added: number; removed: number };
}

export interface ResourceChange {
  op: "add" | "change" | "remove";
  urn: string;
  type: string;
  name: string;
  /** A human name: `Stage image-factory/rebuild-uv`, `acme/platform:.github/workflows/x.yml`. */
  label: string;
  /** Only for "change". */
  fields?: FieldChange[];
}

export interface ResourceDiff {
  changes: ResourceChange[];
  unchanged: number;
}

export interface RenderedFolder {
  resources: RenderedResource[];
  /** The stack the folder was rendered for (render.json), when it says. */
  stack?: string;
}

/** Reads a render folder's resources.json (the base of a comparison) and its stack. */
export function readRenderedResources(dir: string, shownAs: string = dir): RenderedFolder {
  const file = path.join(dir, "resources.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UserError([{ file: shownAs, message: "has no resources.json: pass a folder written by `image-factory render --out`" }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError([{ file: `${shownAs}/resources.json`, message: `is not JSON: ${(e as Error).message}` }]);
  }
  if (!Array.isArray(data) || data.some((r) => typeof r !== "object" || r === null || typeof (r as RenderedResource).urn !== "string")) {
    throw new UserError([{ file: `${shownAs}/resources.json`, message: "is not a list of rendered resources (was it written by `image-factory render`?)" }]);
  }
  let stack: string | undefined;
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, "render.json"), "utf8")) as { stack?: unknown };
    if (typeof meta.stack === "string") stack = meta.stack;
  } catch {
    // An older render without render.json: the stack is not known.
  }
  return { resources: data as RenderedResource[], ...(stack ? { stack } : {}) };
}

/** The changes from `base` to `head`, sorted by operation then URN. */
export function diffResources(base: readonly RenderedResource[], head: readonly RenderedResource[]): ResourceDiff {
  const before = new Map(base.map((r) => [r.urn, r]));
  const after = new Map(head.map((r) => [r.urn, r]));
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const r of head) {
    const old = before.get(r.urn);
    if (!old) {
      changes.push({ op: "add", urn: r.urn, type: r.type, name: r.name, label: labelOf(r) });
      continue;
    }
    const fields: FieldChange[] = [];
    compare(comparable(old), comparable(r), "", fields);
    if (fields.length === 0) unchanged++;
    else changes.push({ op: "change", urn: r.urn, type: r.type, name: r.name, label: labelOf(r), fields });
  }
  for (const r of base) {
    if (!after.has(r.urn)) changes.push({ op: "remove", urn: r.urn, type: r.type, name: r.name, label: labelOf(r) });
  }
  const rank = { add: 0, change: 1, remove: 2 } as const;
  changes.sort((a, b) => rank[a.op] - rank[b.op] || cmp(a.urn, b.urn));
  return { changes, unchanged };
}

/** The parts of a resource a change can be in (the URN, type and name are its identity). */
function comparable(r: RenderedResource): Record<string, unknown> {
  return { inputs: r.inputs ?? {}, options: r.options ?? {}, provider: r.provider, parent: r.parent, dependsOn: r.dependsOn ?? [] };
}

function compare(a: unknown, b: unknown, at: string, out: FieldChange[]): void {
  if (equal(a, b)) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(cmp);
    for (const k of keys) compare(a[k], b[k], at ? `${at}.${k}` : k, out);
    return;
  }
  // Lists of the same length are compared item by item (a changed step, a changed tag);
  // a list that grew or shrank is shown whole.
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => compare(v, b[i], `${at}[${i}]`, out));
    return;
  }
  const change: FieldChange = { path: at };
  if (a !== undefined) change.before = a;
  if (b !== undefined) change.after = b;
  if (typeof a === "string" && typeof b === "string" && (a.includes("\n") || b.includes("\n"))) {
    const p = structuredPatch("before", "after", a, b, undefined, undefined, { context: 2 });
    let added = 0;
    let removed = 0;
    const lines: string[] = [];
    for (const h of p.hunks) {
      lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
      for (const l of h.lines) {
        if (l.startsWith("+")) added++;
        else if (l.startsWith("-")) removed++;
        if (!l.startsWith("\\")) lines.push(l);
      }
    }
    change.patch = { text: lines.join("\n"), added, removed };
  }
  out.push(change);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

/** A short, readable name for a resource in a review. */
export function labelOf(r: Pick<RenderedResource, "type" | "name" | "inputs">): string {
  const inputs = r.inputs ?? {};
  if (r.type.startsWith("kubernetes:") && isObject(inputs.metadata) && typeof inputs.kind === "string") {
    const m = inputs.metadata;
    const name = typeof m.name === "string" ? m.name : r.name;
    return `${inputs.kind} ${typeof m.namespace === "string" ? `${m.namespace}/` : ""}${name}`;
  }
  if (r.type === "github:index/repositoryFile:RepositoryFile" && typeof inputs.repository === "string" && typeof inputs.file === "string") {
    return `${inputs.repository}:${inputs.file}`;
  }
  return r.name;
}

/** The short type: `Stage`, `RepositoryFile`, `provider github`, `GithubEstate`. */
export function shortType(type: string): string {
  if (type.startsWith("pulumi:providers:")) return `provider ${type.slice("pulumi:providers:".length)}`;
  const last = type.split(":").pop() ?? type;
  return last;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
