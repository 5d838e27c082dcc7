/**
 * The rendered Kargo objects as the file committed to the state repository (gitops mode).
 *
 * Layout: ONE multi-document file, `<delivery.path>/image-factory.yaml`. Each RepositoryFile
 * write is its own commit, and Argo CD may sync between commits; with one file every
 * `pulumi up` is a single commit holding one consistent set of objects (no Stage without
 * its Warehouse, no half-removed image). The Application reads exactly that file from a
 * flat directory, so the non-recursive default of directory sources cannot hide it and a
 * stray file in the folder cannot be applied by accident. No kustomization.yaml: it would
 * switch Argo CD to the Kustomize tool and add nothing for a single plain file.
 *
 * Secrets are never committed: a Secret object (or any non-JSON value, such as a Pulumi
 * Output that could hold one) is rejected with an error.
 */
import { GENERATED_HEADER, toYamlStream } from "../github/yaml";

/** A Kubernetes object as plain data. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The file the manifests are committed to, inside `delivery.path`. */
export const MANIFEST_FILE = "image-factory.yaml";

export interface ManifestFile {
  /** Path in the repository: `<delivery.path>/image-factory.yaml`. */
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
