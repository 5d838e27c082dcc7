/**
 * Kargo object names: valid DNS-1123 labels of at most 63 characters, readable where they
 * can be, and stable across runs. A name that would be longer is cut and given a hash of
 * the full name, so two long names never shorten to the same label.
 */
import { createHash } from "node:crypto";
import { parseImageReference } from "../config/reference";
import type { WatchedBase } from "../model/types";

export const MAX_NAME_LENGTH = 63;

export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Lowercase alphanumerics and single dashes, trimmed. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** `prefix-<slug>` cut to 63 characters with a hash of the uncut name when too long. */
export function kubeName(prefix: string, text: string): string {
  const full = `${prefix}-${slug(text)}`.replace(/-+$/, "");
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = shortHash(full);
  return `${full.slice(0, MAX_NAME_LENGTH - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** The readable part of a base's name: Docker Hub's host and `library/` are implied. */
export function baseSlug(base: Pick<WatchedBase, "key" | "platform">): string {
  const keyWithoutPlatform = base.platform ? base.key.slice(0, base.key.length - base.platform.length - 1) : base.key;
  const ref = parseImageReference(keyWithoutPlatform);
  const repo = ref.registry === "docker.io" ? ref.repository.replace(/^library\//, "") : `${ref.registry}/${ref.repository}`;
  return [repo, ref.tag, base.platform].filter(Boolean).join("-");
}

/**
 * Assigns names to keys with `nameOf`; where two keys would share a name (e.g. `a.b/c`
 * and `a-b/c` both slug to `a-b-c`), each of them gets a hash of its own key instead.
 */
export function uniqueNames(keys: readonly string[], nameOf: (key: string) => string, prefix: string): Map<string, string> {
  const proposed = new Map(keys.map((k) => [k, nameOf(k)]));
  const counts = new Map<string, number>();
  for (const name of proposed.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  const result = new Map<string, string>();
  for (const [key, name] of proposed) {
    result.set(key, (counts.get(name) ?? 0) > 1 ? kubeName(prefix, `${name.slice(prefix.length + 1)}-${shortHash(key)}`) : name);
  }
  return result;
}

/** The names of every Kargo object the estate needs. */
export interface EstateNames {
  /** Warehouse of a watched base, by WatchedBase.key. */
  baseWarehouse: Map<string, string>;
  /** Observer Stage of a watched base, by WatchedBase.key. */
  baseObserver: Map<string, string>;
  imageWarehouse(image: string): string;
  imageObserver(image: string): string;
  rebuildStage(image: string): string;
  updateStage(image: string): string;
}

export function estateNames(bases: readonly Pick<WatchedBase, "key" | "platform">[]): EstateNames {
  const byKey = new Map(bases.map((b) => [b.key, b]));
  const keys = bases.map((b) => b.key);
  return {
    baseWarehouse: uniqueNames(keys, (k) => kubeName("base", baseSlug(byKey.get(k)!)), "base"),
    baseObserver: uniqueNames(keys, (k) => kubeName("seen", baseSlug(byKey.get(k)!)), "seen"),
    imageWarehouse: (image) => kubeName("image", image),
    imageObserver: (image) => kubeName("seen-image", image),
    rebuildStage: (image) => kubeName("rebuild", image),
    updateStage: (image) => kubeName("update", image),
  };
}

/**
 * The update Stage of one environment of an image (`updates[].environment`):
 * `update-<image>--<environment>`: slug() never yields `--`, so the double dash keeps these
 * names apart from every `update-<image>` (an image named `web-prod` next to image `web` with
 * environment `prod`) and from each other; long names are cut and hashed like kubeName's.
 */
export function environmentStage(image: string, environment: string): string {
  const full = `update-${slug(image)}--${slug(environment)}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = shortHash(full);
  return `${full.slice(0, MAX_NAME_LENGTH - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}
