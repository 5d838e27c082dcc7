/**
 * Promotion through environments: the `environment`, `after` and `soak` fields of an image's
 * `updates`, checked across the list. The environments of one image form a forest: each names
 * at most one earlier environment it follows (`after`), so there is no cycle by construction,
 * and several roots (environments without `after`) may take new versions side by side.
 */

/** Environment names: lowercase words joined by single dashes, short enough to stay readable in Stage names. */
export const ENVIRONMENT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_ENVIRONMENT_NAME = 24;

export interface EnvironmentFields {
  environment?: string;
  after?: string;
  soak?: string;
}

export interface EnvironmentIssue {
  /** Path inside the image entry, e.g. ["updates", 2, "after"]. */
  path: Array<string | number>;
  message: string;
}

/**
 * The problems of the environment fields across one image's `updates`. Field-level grammar
 * (names, durations) is the schema's; this checks how the entries relate:
 * - `after` and `soak` only on an update that names its `environment`; `soak` only with `after`;
 * - `after` names an environment of this image that an earlier update names (so no self, no
 *   unknown environment, no cycle);
 * - every update of an environment states the same `after` and `soak`: the environment has one
 *   place in the chain.
 */
export function environmentIssues(updates: readonly EnvironmentFields[]): EnvironmentIssue[] {
  const issues: EnvironmentIssue[] = [];
  /** The first update of each environment, by name. */
  const first = new Map<string, { index: number; after?: string; soak?: string }>();
  updates.forEach((u, index) => {
    const at = (field: string) => ["updates", index, field];
    if (u.environment === undefined) {
      if (u.after !== undefined) issues.push({ path: at("after"), message: "only applies to an update that names its environment" });
      if (u.soak !== undefined) issues.push({ path: at("soak"), message: "only applies to an update that names its environment and the environment it comes after" });
      return;
    }
    if (u.soak !== undefined && u.after === undefined) {
      issues.push({ path: at("soak"), message: "only applies with after: the soak is how long the environment named in after must have held a version first" });
    }
    const earlier = first.get(u.environment);
    if (earlier) {
      if (earlier.after !== u.after || earlier.soak !== u.soak) {
        issues.push({
          path: at(u.after !== earlier.after ? "after" : "soak"),
          message: `must be the same in every update of environment ${u.environment}, which has one place in the chain (updates[${earlier.index}]: ${placeOf(earlier)})`,
        });
      }
      return;
    }
    if (u.after !== undefined) {
      if (u.after === u.environment) {
        issues.push({ path: at("after"), message: "must name an earlier environment, not the update's own" });
      } else if (!first.has(u.after)) {
        const later = updates.findIndex((o, i) => i > index && o.environment === u.after);
        issues.push({
          path: at("after"),
          message:
            later >= 0
              ? `must name an environment listed earlier: ${u.after} first appears at updates[${later}] (list an environment's updates before those of the environments after it)`
              : `must name an environment of an earlier update of this image${first.size ? ` (so far: ${[...first.keys()].join(", ")})` : " (there is none)"}`,
        });
      }
    }
    first.set(u.environment, { index, after: u.after, soak: u.soak });
  });
  return issues;
}

function placeOf(u: { after?: string; soak?: string }): string {
  if (u.after === undefined) return "first in the chain";
  return `after ${u.after}${u.soak !== undefined ? `, soak ${u.soak}` : ", no soak"}`;
}
