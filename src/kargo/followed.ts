/**
 * Which managed images get a Warehouse of their own. An image Warehouse polls the registry for
 * the image's published versions, so it is declared only where something follows them: images
 * built FROM it (their rebuilds), and its `updates` (pull requests, the owner's work).
 */
import type { Estate, ImageNode } from "../model/types";

/**
 * Which builds a stack runs. Exactly one stack owns an image's builds; any other stack that
 * enrolls it is a canary of it.
 * - owner: dispatches real builds, commits the generated workflow files, opens update pull
 *   requests and runs the analysis.
 * - canary: dispatches the same rebuilds with `dry_run` = true (build and test, no push, no
 *   tag) to workflows that declare `dry_run`, earlier than the owner (its own rebuildDelay);
 *   it commits no file, opens no pull request and dispatches nothing else.
 */
export type BuildRole = "owner" | "canary";

/** Whether the stack opens update pull requests for the image. */
export function opensUpdates(node: ImageNode, role: BuildRole): boolean {
  return role === "owner" && node.spec.updates.length > 0;
}

/** The images built FROM another managed image (their parents), by name. */
export function managedParents(estate: Estate): Set<string> {
  return new Set(estate.images.flatMap((i) => i.triggers.flatMap((t) => (t.source.kind === "image" ? [t.source.name] : []))));
}

/** The names of the images whose versions something in this stack follows. */
export function followedImages(estate: Estate, role: BuildRole): Set<string> {
  const parents = managedParents(estate);
  return new Set(estate.images.filter((i) => parents.has(i.spec.name) || opensUpdates(i, role)).map((i) => i.spec.name));
}
