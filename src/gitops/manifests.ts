/**
 * The rendered Kargo objects as the files committed to the state repository (gitops mode).
 *
 * Layout, inside `<delivery.path>`:
 *  - `project.yaml`: the Project, the ProjectConfig and anything else cluster-scoped;
 *  - `repos/<owner>/<repo>.yaml`: the objects of the images built from that source repository;
 *  - `shared.yaml`: everything that belongs to no single image (base Warehouses and observers).
 * A group too big for one file (over half of MAX_MANIFEST_FILE_BYTES) is split into
 * `<group>@<k>-of-<n>.yaml`, n a power of two, each image's objects in the shard its name
 * hashes to. So no file comes near GitHub's 1 MB contents-API limit, all of an image's objects
 * are in one file, and a change to one image rewrites that one file (the ProjectConfig aside,
 * while it lists Stages by name).
 *
 * Each file is its own commit and Argo CD may sync between them: see the README's
 * "Partial syncs" for what such an in-between state can and cannot do.
 *
 * Secrets are never committed: a Secret object (or any non-JSON value, such as a Pulumi
 * Output that could hold one) is rejected with an error.
 */
import { createHash } from "node:crypto";
import { UserError } from "../config/errors";
import { GENERATED_HEADER, toYaml, toYamlStream } from "../github/yaml";

/** A Kubernetes object as plain data. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The single file earlier versions committed, inside `delivery.path` (see the README's migration notes). */
export const MANIFEST_FILE = "image-factory.yaml";

/** No committed file may be larger: half of it is the target size of a shard. */
export const MAX_MANIFEST_FILE_BYTES = 512 * 1024;

/** The files' names relative to `delivery.path`, as an Argo CD directory include glob. */
export const MANIFEST_INCLUDE = "{project.yaml,shared.yaml,shared@*.yaml,repos/*.yaml}";

export interface ManifestFile {
  /** Path in the repository, inside `delivery.path`. */
  path: string;
  content: string;
}

/** Top-level and metadata keys first in the conventional order; everything else sorted. */
const KEY_PRIORITY = ["apiVersion", "kind", "metadata", "name", "namespace", "spec"];

function keyOrder(a: string, b: string): number {
  const pa = KEY_PRIORITY.indexOf(a);
  const pb = KEY_PRIORITY.indexOf(b);
  if (pa !== -1 || pb !== -1) return (pa === -1 ? Infinity : pa) - (pb === -1 ? Infinity : pb);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy with sorted keys; throws on anything that is not plain JSON data. */
function canonical(value: unknown, where: string): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${where}: ${value} cannot be written to a manifest`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => canonical(v, `${where}[${i}]`));
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Outputs (possibly secret), Dates, class instances: their text form is not their value.
      throw new Error(`${where}: only plain data can be committed (got ${proto?.constructor?.name ?? "an object"})`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(keyOrder)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = canonical(v, `${where}.${key}`);
    }
    return out;
  }
  throw new Error(`${where}: ${typeof value} cannot be written to a manifest`);
}

/**
 * A Secret at the top, or embedded anywhere (a v1 List carries objects in `items`). An
 * embedded object is told from a mere reference to a Secret by having its own metadata.
 */
function containsSecret(value: unknown, top = true): boolean {
  if (Array.isArray(value)) return value.some((v) => containsSecret(v, false));
  if (value === null || typeof value !== "object") return false;
  const o = value as Record<string, unknown>;
  if ((o.kind === "Secret" || o.kind === "SecretList") && (top || (typeof o.apiVersion === "string" && typeof o.metadata === "object"))) return true;
  return Object.values(o).some((v) => containsSecret(v, false));
}

function identity(o: KubernetesObject): string {
  const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
  return `${group}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

function describe(o: KubernetesObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

/** Checks and orders the objects: cluster-scoped first, then by kind, namespace, name. */
export function prepareManifests(objects: readonly KubernetesObject[]): KubernetesObject[] {
  const seen = new Set<string>();
  const checked = objects.map((o, i) => {
    const where = `manifest #${i + 1}`;
    if (!o || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || !o.metadata || typeof o.metadata.name !== "string" || !o.metadata.name) {
      throw new Error(`${where}: needs apiVersion, kind and metadata.name`);
    }
    if (containsSecret(o)) {
      throw new Error(`${where} (${describe(o)}): Secrets are never committed to the state repository; Pulumi applies them directly`);
    }
    const id = identity(o);
    if (seen.has(id)) throw new Error(`${where}: ${describe(o)} appears twice`);
    seen.add(id);
    return canonical(o, `${where} (${describe(o)})`) as KubernetesObject;
  });
  const rank = (o: KubernetesObject) => [o.metadata.namespace === undefined ? "0" : "1", o.kind, o.metadata.namespace ?? "", o.metadata.name, o.apiVersion];
  return checked.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] < rb[i] ? -1 : 1;
    return 0;
  });
}

/**
 * The committed file for a set of objects. The same objects in any order give the same
 * bytes. YAML 1.1 readers (kubectl, Argo CD) get every string back as a string.
 */
export function renderManifestFile(objects: readonly KubernetesObject[], folder: string): ManifestFile {
  const prepared = prepareManifests(objects);
  const dir = folder.replace(/\/+$/, "");
  return {
    path: dir === "" || dir === "." ? MANIFEST_FILE : `${dir}/${MANIFEST_FILE}`,
    content: toYamlStream(prepared, {
      quoteKeys: true,
      header: [GENERATED_HEADER, "The Kargo objects of this estate; Argo CD syncs this file. Secrets are applied separately."],
    }),
  };
}

/** Where an object is committed: its group (a file, or a set of shards) and its unit (what stays together). */
export interface Placement {
  /** `project`, `shared` or `repos/<owner>/<repo>`: the file's path without `.yaml`. */
  group: string;
  /** Objects with the same unit always share a file: an image's name, or the object itself. */
  unit: string;
}

export interface SplitOptions {
  /** Where each (prepared) object goes. */
  placement: (object: KubernetesObject) => Placement;
  /** The largest file allowed; MAX_MANIFEST_FILE_BYTES by default (smaller in tests). */
  maxBytes?: number;
}

/** `repos/<owner>/<name>`, or `repos/<host>/<group>/…/<project>` for a GitLab project (no segment of dots only). */
const GROUP_PATH = /^(project|shared|repos(\/(?!\.+(\/|$))[a-z0-9._-]+){2,})$/;

function shardOf(unit: string, shards: number): number {
  return createHash("sha256").update(unit).digest().readUInt32BE(0) % shards;
}

/**
 * The committed files for a set of objects, split by `placement`. The same objects in any
 * order give the same files and bytes.
 */
export function renderManifestFiles(objects: readonly KubernetesObject[], folder: string, opts: SplitOptions): ManifestFile[] {
  const maxBytes = opts.maxBytes ?? MAX_MANIFEST_FILE_BYTES;
  const dir = folder.replace(/\/+$/, "");
  const prefix = dir === "" || dir === "." ? "" : `${dir}/`;
  const header = [GENERATED_HEADER, "Kargo objects of this estate; Argo CD syncs every file of this folder it generated. Secrets are applied separately."];
  const headerBytes = Buffer.byteLength(`${header.map((l) => `# ${l}`).join("\n")}\n`);

  const groups = new Map<string, Array<{ unit: string; doc: string; bytes: number }>>();
  for (const object of prepareManifests(objects)) {
    const { group, unit } = opts.placement(object);
    if (!GROUP_PATH.test(group)) throw new Error(`${describe(object)}: ${JSON.stringify(group)} is not a manifest group`);
    const doc = `---\n${toYaml(object, { quoteKeys: true })}`;
    const list = groups.get(group) ?? [];
    list.push({ unit, doc, bytes: Buffer.byteLength(doc) });
    groups.set(group, list);
  }

  const files: ManifestFile[] = [];
  for (const group of [...groups.keys()].sort()) {
    const docs = groups.get(group)!;
    const total = docs.reduce((n, d) => n + d.bytes, 0);
    const budget = maxBytes - headerBytes;
    // The smallest power of two that puts the average shard at half the limit, doubled
    // until the fullest shard fits: a shard count that changes rarely as images come and go.
    let shards = 1;
    while (total / shards > budget / 2) shards *= 2;
    for (;;) {
      const sizes = new Array<number>(shards).fill(0);
      for (const d of docs) sizes[shards === 1 ? 0 : shardOf(d.unit, shards)] += d.bytes;
      if (Math.max(...sizes) <= budget) break;
      const unitBytes = new Map<string, number>();
      for (const d of docs) unitBytes.set(d.unit, (unitBytes.get(d.unit) ?? 0) + d.bytes);
      const [unit, bytes] = [...unitBytes.entries()].sort((a, b) => b[1] - a[1])[0];
      if (bytes > budget) {
        // Not a defect to report with a stack trace: the estate is too big for GitOps delivery as built.
        throw UserError.of(
          `the objects of ${unit} take ${bytes} bytes, more than one manifest file may hold (${maxBytes}); GitHub's contents API serves files up to 1 MB and etcd stores objects up to 1.5 MiB`,
          "delivery",
        );
      }
      shards *= 2;
    }
    const byShard = new Map<number, string[]>();
    for (const d of docs) {
      const k = shards === 1 ? 0 : shardOf(d.unit, shards);
      const list = byShard.get(k) ?? [];
      list.push(d.doc);
      byShard.set(k, list);
    }
    for (const k of [...byShard.keys()].sort((a, b) => a - b)) {
      const name = shards === 1 ? `${group}.yaml` : `${group}@${k + 1}-of-${shards}.yaml`;
      files.push({ path: `${prefix}${name}`, content: `${header.map((l) => `# ${l}`).join("\n")}\n${byShard.get(k)!.join("")}` });
    }
  }
  return files;
}
