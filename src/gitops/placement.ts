/**
 * Which committed file each Kargo object goes to (see manifests.ts): objects of an image go
 * to the file of the image's source repository, cluster-scoped objects and the ProjectConfig
 * to `project.yaml`, the rest (per-base objects) to `shared.yaml`.
 *
 * An object's image is found by name: every per-image name the Kargo builder gives
 * (EstateNames' functions of an image name) is indexed. An object whose name is not among
 * them is placed in `shared`, which is still correct, only less tidy.
 */
import { sourceLabel } from "../config/source";
import { environmentStage, estateNames } from "../kargo/names";
import type { Estate } from "../model/types";
import type { KubernetesObject, Placement } from "./manifests";

/**
 * `repos/<owner>/<name>`; a GitLab project `repos/<host>/<full path>` (a host has a dot, an
 * owner none), a host's port after `_` (a `:` has no place in a file name on every system).
 */
export function repoGroup(repo: string): string {
  return `repos/${repo.toLowerCase().replace(/:/g, "_")}`;
}

export function estatePlacement(estate: Pick<Estate, "images" | "bases">): (object: KubernetesObject) => Placement {
  const names = estateNames(estate.bases);
  // Every function of EstateNames maps an image name to the name of one of its objects.
  const perImage = Object.values(names).filter((v): v is (image: string) => string => typeof v === "function");
  const imageOf = new Map<string, { image: string; repo: string }>();
  for (const node of estate.images) {
    const owner = { image: node.spec.name, repo: sourceLabel(node.spec.source) };
    for (const nameOf of perImage) imageOf.set(nameOf(node.spec.name), owner);
    // The update Stage of each of its environments.
    for (const u of node.spec.updates) if (u.environment !== undefined) imageOf.set(environmentStage(node.spec.name, u.environment), owner);
  }
  return (object) => {
    if (object.metadata.namespace === undefined || object.kind === "ProjectConfig") return { group: "project", unit: `${object.kind}/${object.metadata.name}` };
    const owner = imageOf.get(object.metadata.name);
    if (owner) return { group: repoGroup(owner.repo), unit: owner.image };
    return { group: "shared", unit: `${object.kind}/${object.metadata.name}` };
  };
}
