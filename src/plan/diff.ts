/**
 * What a change does to the declared resources: two renders' resources.json compared by
 * URN (Pulumi's identity of a resource), field by field, lists element by element. A change
 * to a field the provider cannot update in place is marked as a replacement, and a resource
 * that disappears while a near-identical one of the same type appears is shown as one
 * resource replaced under a new name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { diffArrays, structuredPatch } from "diff";
import { UserError } from "../config/errors";
import type { RenderedResource } from "../render/render";

export interface FieldChange {
  /** Dotted path inside the resource, e.g. `inputs.spec.interval`, `inputs.list[2]`. */
  path: string;
  before?: unknown;
  after?: unknown;
  /** For multi-line text: the unified diff (without file headers) and its line counts. */
  patch?: { text: string; added: number; removed: number };
  /** Why this field's change makes the provider replace the resource. */
  replaces?: string;
}

export interface ResourceChange {
  op: "add" | "change" | "replace" | "remove";
  urn: string;
  type: string;
  name: string;
  /** A human name: `Stage image-factory/rebuild-uv`, `acme/platform:.github/workflows/x.yml`. */
  label: string;
  /** For "change" and "replace". */
  fields?: FieldChange[];
  /** For "replace": why the resource is deleted and created rather than updated. */
  replaceReasons?: string[];
  /** For a replacement under a new name: the resource it replaces. */
  replaces?: { urn: string; label: string };
}

export interface ResourceDiff {
  changes: ResourceChange[];
  unchanged: number;
}

export interface RenderedFolder {
  resources: RenderedResource[];
  /** The stack the folder was rendered for (render.json), when it says. */
  stack?: string;
  /** The stack outputs (outputs.json), when present. */
  outputs?: Record<string, unknown>;
}

/** Reads a render folder's resources.json (the base of a comparison), its stack and outputs. */
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
  const folder: RenderedFolder = { resources: data as RenderedResource[] };
  const meta = readOptionalJson(path.join(dir, "render.json"));
  if (isObject(meta) && typeof meta.stack === "string") folder.stack = meta.stack;
  const outputs = readOptionalJson(path.join(dir, "outputs.json"));
  if (isObject(outputs)) folder.outputs = outputs;
  return folder;
}

/** An older render may lack these files: then what they say is not known. */
function readOptionalJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// What forces a replacement

/**
 * The input fields whose change makes the provider delete and re-create the resource, with
 * the reason shown to a reviewer. Facts from the providers at the versions we use:
 *
 * - pulumi-kubernetes (provider/pkg/provider/provider.go, kubeProvider.Diff; diff.go,
 *   forceNewProperties and metadataForceNewProperties): `.metadata.name` and
 *   `.metadata.namespace` of every object; a Secret's `.type`, `.data` and `.stringData`
 *   unless the provider has enableSecretMutable (and the Secret is not immutable); a
 *   ConfigMap's `.data` and `.binaryData` unless enableConfigMapMutable. apiVersion and kind
 *   are part of the Pulumi type, so changing them changes the URN: a new resource.
 * - @pulumi/github 6.15 bridges terraform-provider-github v6.13.0 (its upstream submodule):
 *   resource_github_repository_file.go marks `file` and `branch` ForceNew, and its
 *   CustomizeDiff diffRepository (util_diff.go) forces a new resource when `repository`
 *   changes, unless GitHub reports the same repository ID (a renamed repository).
 */
export function replacementReason(resource: RenderedResource, field: string, providers: ProviderFlags): string | undefined {
  const type = resource.type;
  if (type.startsWith("kubernetes:")) {
    if (field === "inputs.metadata.name" || field === "inputs.metadata.namespace") return `${field.slice("inputs.".length)} is the object's identity in the cluster`;
    if (type === "kubernetes:core/v1:Secret" && /^inputs\.(type|data|stringData)(\.|\[|$)/.test(field) && !providers.enableSecretMutable) {
      return "a Secret's type and data are replaced, not updated, unless the Kubernetes provider sets enableSecretMutable";
    }
    if (type === "kubernetes:core/v1:ConfigMap" && /^inputs\.(data|binaryData)(\.|\[|$)/.test(field) && !providers.enableConfigMapMutable) {
      return "a ConfigMap's data is replaced, not updated, unless the Kubernetes provider sets enableConfigMapMutable";
    }
    return undefined;
  }
  if (type === "github:index/repositoryFile:RepositoryFile") {
    if (field === "inputs.file" || field === "inputs.branch") return `${field.slice("inputs.".length)} is ForceNew: the file is deleted and committed again`;
    if (field === "inputs.repository") return "the file moves to another repository (deleted there, committed here) unless the repository was only renamed";
  }
  return undefined;
}

export interface ProviderFlags {
  enableSecretMutable?: boolean;
  enableConfigMapMutable?: boolean;
}

/** The Kubernetes provider's mutability flags, from the render's provider resource. */
function providerFlags(resources: readonly RenderedResource[]): ProviderFlags {
  const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes");
  const inputs = provider?.inputs ?? {};
  const flag = (v: unknown) => v === true || v === "true";
  return { enableSecretMutable: flag(inputs.enableSecretMutable), enableConfigMapMutable: flag(inputs.enableConfigMapMutable) };
}

// ---------------------------------------------------------------------------------------------
// The diff

/** The changes from `base` to `head`, sorted by operation then URN. */
export function diffResources(base: readonly RenderedResource[], head: readonly RenderedResource[]): ResourceDiff {
  const before = new Map(base.map((r) => [r.urn, r]));
  const after = new Map(head.map((r) => [r.urn, r]));
  const flags = providerFlags(head);
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  const added: RenderedResource[] = [];
  for (const r of head) {
    const old = before.get(r.urn);
    if (!old) {
      added.push(r);
      continue;
    }
    const fields = compareResources(old, r, flags);
    if (fields.length === 0) {
      unchanged++;
      continue;
    }
    const reasons = [...new Set(fields.flatMap((f) => (f.replaces ? [f.replaces] : [])))];
    changes.push({ op: reasons.length ? "replace" : "change", urn: r.urn, type: r.type, name: r.name, label: labelOf(r), fields, ...(reasons.length ? { replaceReasons: reasons } : {}) });
  }
  const removed = base.filter((r) => !after.has(r.urn));
  const renamed = pairRenames(removed, added, flags);
  for (const r of added) {
    const old = renamed.get(r.urn);
    if (!old) {
      changes.push({ op: "add", urn: r.urn, type: r.type, name: r.name, label: labelOf(r) });
      continue;
    }
    changes.push({
      op: "replace",
      urn: r.urn,
      type: r.type,
      name: r.name,
      label: labelOf(r),
      fields: compareResources(old, r, flags),
      replaceReasons: [`a new name (${labelOf(old)} → ${labelOf(r)}): Pulumi deletes the old resource and creates this one`],
      replaces: { urn: old.urn, label: labelOf(old) },
    });
  }
  const paired = new Set([...renamed.values()].map((r) => r.urn));
  for (const r of removed) if (!paired.has(r.urn)) changes.push({ op: "remove", urn: r.urn, type: r.type, name: r.name, label: labelOf(r) });
  const rank = { add: 0, replace: 1, change: 2, remove: 3 } as const;
  changes.sort((a, b) => rank[a.op] - rank[b.op] || cmp(a.urn, b.urn));
  return { changes, unchanged };
}

function compareResources(old: RenderedResource, r: RenderedResource, flags: ProviderFlags): FieldChange[] {
  const fields: FieldChange[] = [];
  compare(comparable(old), comparable(r), "", fields);
  for (const f of fields) {
    const reason = replacementReason(r, f.path, flags);
    if (reason) f.replaces = reason;
  }
  return fields;
}

/** The name a resource is known by where it lives: a Kubernetes object's, a file's path. */
function identityOf(r: RenderedResource): string | undefined {
  const inputs = r.inputs ?? {};
  if (r.type.startsWith("kubernetes:") && isObject(inputs.metadata) && typeof inputs.metadata.name === "string") return inputs.metadata.name;
  if (r.type === "github:index/repositoryFile:RepositoryFile" && typeof inputs.file === "string") return inputs.file;
  return undefined;
}

/** How much of two names is shared: the common prefix plus the common suffix, over the longer. */
function nameOverlap(a: string, b: string): number {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return (prefix + suffix) / Math.max(a.length, b.length);
}

/**
 * Removed and added resources of the same type that are the same thing under a new name
 * (a renamed image's Stage): their names mostly agree and nearly all their other values do.
 * Each removed resource pairs with at most one added one, the closest.
 */
function pairRenames(removed: readonly RenderedResource[], added: readonly RenderedResource[], flags: ProviderFlags): Map<string, RenderedResource> {
  const pairs = new Map<string, RenderedResource>();
  const taken = new Set<string>();
  for (const old of removed) {
    let best: { r: RenderedResource; score: number } | undefined;
    const oldName = identityOf(old);
    if (oldName === undefined) continue;
    for (const r of added) {
      if (r.type !== old.type || taken.has(r.urn) || r.parent !== old.parent) continue;
      const newName = identityOf(r);
      if (newName === undefined || nameOverlap(oldName, newName) <= 0.5) continue;
      const total = Math.max(countLeaves(comparable(old)), countLeaves(comparable(r)));
      const differing = compareResources(old, r, flags).length;
      const score = total === 0 ? 1 : differing / total;
      if (score <= 0.2 && (!best || score < best.score)) best = { r, score };
    }
    if (best) {
      pairs.set(best.r.urn, old);
      taken.add(best.r.urn);
    }
  }
  return pairs;
}

function countLeaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countLeaves(x), 0);
  if (isObject(v)) return Object.values(v).reduce((n: number, x) => n + countLeaves(x), 0);
  return 1;
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
  if (Array.isArray(a) && Array.isArray(b)) {
    compareLists(a, b, at, out);
    return;
  }
  const change: FieldChange = { path: at };
  if (a !== undefined) change.before = a;
  if (b !== undefined) change.after = b;
  if (typeof a === "string" && typeof b === "string" && (a.includes("\n") || b.includes("\n"))) change.patch = linePatch(a, b);
  out.push(change);
}

/**
 * Lists element by element: the longest common run of equal elements is kept (the diff
 * library's diffArrays), a removed element next to an added one is one changed element
 * compared inside, and the rest are single additions and removals. Indexes are the new
 * list's for added and changed elements, the old list's for removed ones.
 */
function compareLists(a: readonly unknown[], b: readonly unknown[], at: string, out: FieldChange[]): void {
  const parts = diffArrays(a as unknown[], b as unknown[], { comparator: equal });
  let i = 0;
  let j = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (!part.added && !part.removed) {
      i += part.count ?? part.value.length;
      j += part.count ?? part.value.length;
      continue;
    }
    if (part.removed) {
      const next = parts[p + 1];
      const removedItems = part.value;
      const addedItems = next?.added ? next.value : [];
      const paired = Math.min(removedItems.length, addedItems.length);
      for (let k = 0; k < paired; k++) compare(removedItems[k], addedItems[k], `${at}[${j + k}]`, out);
      for (let k = paired; k < removedItems.length; k++) out.push({ path: `${at}[${i + k}]`, before: removedItems[k] });
      for (let k = paired; k < addedItems.length; k++) out.push({ path: `${at}[${j + k}]`, after: addedItems[k] });
      i += removedItems.length;
      j += addedItems.length;
      if (next?.added) p++;
      continue;
    }
    for (let k = 0; k < part.value.length; k++) out.push({ path: `${at}[${j + k}]`, after: part.value[k] });
    j += part.value.length;
  }
}

function linePatch(a: string, b: string): NonNullable<FieldChange["patch"]> {
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
  return { text: lines.join("\n"), added, removed };
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
