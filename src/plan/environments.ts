/**
 * What `plan` shows of promotion through environments: per image, each environment's update
 * Stage, the environment it comes after and its soak, and whether it waits for its pull
 * requests to merge (the next environment's soak starts from the merge).
 */
import { estateNames } from "../kargo";
import { updateGroups } from "../kargo/environments";
import { type BuildRole, opensUpdates } from "../kargo/followed";
import type { Estate } from "../model/types";
import { factoryDefinedBuild } from "../config/source";

export interface EnvironmentStep {
  environment: string;
  stage: string;
  /** The environment it comes after. */
  after?: string;
  /** How long `after` must have held a version (the user's duration; absent: none). */
  soak?: string;
  /** Pull requests per new version. */
  pullRequests: number;
  /** Whether its Promotion waits for its pull requests to be merged (another environment follows it). */
  waitsForMerge: boolean;
}

export interface EnvironmentChain {
  image: string;
  /**
   * Whether the factory's generated workflow builds the image, which scans before it pushes:
   * a version whose scan fails never becomes Freight. Otherwise only the image's own workflow
   * decides what is pushed, and the chain guarantees order and soak, not a scan.
   */
  generatedBuild: boolean;
  /** Whether that build scans (a generated build without `scan: false`): only then a failed scan keeps a version out. */
  scanned: boolean;
  /** In images.yaml order: every environment after the one it follows. */
  environments: EnvironmentStep[];
}

/** The images whose updates name environments, in estate order; none in a stack that opens no updates. */
export function environmentChains(estate: Estate, role: BuildRole): EnvironmentChain[] {
  const names = estateNames(estate.bases);
  const chains: EnvironmentChain[] = [];
  for (const node of estate.images) {
    if (!opensUpdates(node, role)) continue;
    const environments = updateGroups(node.spec, names).flatMap((g): EnvironmentStep[] =>
      g.environment === undefined
        ? []
        : [
            {
              environment: g.environment,
              stage: g.stage,
              ...(g.after !== undefined ? { after: g.after } : {}),
              ...(g.soak !== undefined ? { soak: g.soak } : {}),
              pullRequests: g.updates.length,
              waitsForMerge: g.followed,
            },
          ],
    );
    if (environments.length > 0) chains.push({ image: node.spec.name, generatedBuild: factoryDefinedBuild(node.spec.source), scanned: factoryDefinedBuild(node.spec.source) && node.spec.scan !== false, environments });
  }
  return chains;
}

/** One line per image: `staging → prod (2d after staging) → dr`; each branch a path of its own. */
export function chainText(chain: EnvironmentChain): string {
  const children = new Map<string, EnvironmentStep[]>();
  const roots: EnvironmentStep[] = [];
  for (const e of chain.environments) {
    if (e.after === undefined) roots.push(e);
    else children.set(e.after, [...(children.get(e.after) ?? []), e]);
  }
  const paths: string[] = [];
  const walk = (e: EnvironmentStep, prefix: string) => {
    const here = `${prefix ? `${prefix} → ` : ""}${e.environment}${e.soak ? ` (${e.soak} after ${e.after})` : ""}`;
    const next = children.get(e.environment) ?? [];
    if (next.length === 0) paths.push(here);
    for (const c of next) walk(c, here);
  };
  for (const r of roots) walk(r, "");
  return paths.join("; ");
}
