/**
 * The estate model: images.yaml, the committed lock and the stack's settings combined into
 * one plain, sorted, deterministic structure. The Kargo, GitHub and Argo CD builders take
 * only this (plus their own settings) and return plain objects.
 */
import type { BaseUse } from "../analysis/lock";
import type { BaseDeclaration, ImageSpec } from "../config/schema";

export type { BaseUse };


/** Why an image rebuilds: an external base moved, or another managed image published. */
export type RebuildSource =
  | { kind: "base"; /** WatchedBase.key */ key: string }
  | { kind: "image"; /** ImageNode name */ name: string };

export interface RebuildTrigger {
  source: RebuildSource;
  /** The base reference as the Dockerfile resolves it (normalized). */
  reference: string;
  runtime: boolean;
}

export interface ImageNode {
  spec: ImageSpec;
  /** `<registry>/<repository>`, the image's repoURL in Kargo's terms. */
  repoURL: string;
  /** Every base the lock records for the image, sorted by reference. */
  bases: BaseUse[];
  /** The bases that trigger a rebuild (after rebuildOn and ignoreBases), sorted. */
  triggers: RebuildTrigger[];
}

/** A distinct external base the estate watches: one Warehouse each. */
export interface WatchedBase {
  /** Stable identity: `<registry>/<repository>:<tag>` plus `@<platform>` when set. */
  key: string;
  registry: string;
  /** `<registry>/<repository>`, no tag: Kargo's image repoURL. */
  repoURL: string;
  /** The tag whose digest is followed (tagPolicy digest), or the declared reference's tag. */
  tag: string;
  platform?: string;
  tagPolicy: BaseDeclaration["tagPolicy"];
  constraint?: string;
  /** Explicit polling interval from a base declaration; the registry default applies otherwise. */
  interval?: string;
  /** True when an explicit `base:` entry in images.yaml describes it. */
  declared: boolean;
  /** Images that rebuild when it moves, sorted. */
  dependents: string[];
}

export interface Estate {
  /** Managed images, parents before children, ties by name. */
  images: ImageNode[];
  /** Watched external bases, sorted by key. */
  bases: WatchedBase[];
  /** Base uses that are not watched, with the reason (e.g. pinned by digest). */
  unwatched: Array<{ image: string; reference: string; reason: string }>;
}
