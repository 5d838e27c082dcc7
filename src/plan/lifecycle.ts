/**
 * What the rebuild Stages of a stack will do, for a reviewer: which rebuilds run by
 * themselves, whether they build for real or dry-run, what the first apply of a new image or
 * base does (a baseline, never a build), and the command that re-runs a failed rebuild.
 */
import { parseAllDocuments } from "yaml";
import { dispatchesRebuilds, estateNames, triggerOrigin } from "../kargo";
import type { BuildRole } from "../kargo/followed";
import type { Estate } from "../model/types";
import type { RenderedResource } from "../render/render";

export interface RebuildLifecycle {
  image: string;
  /** The rebuild Stage. */
  stage: string;
  /** Promotes by itself (autoRebuild), or waits for a person. */
  auto: boolean;
  /** What a promotion dispatches. */
  dispatch: "build" | "dry run";
  /** The Warehouses it takes Freight from (bases and managed parents). */
  origins: string[];
  /** True when the Stage is not in the base render: its first promotions are baselines. */
  new: boolean;
  /**
   * The command that re-runs a failed rebuild: promote the origin's current candidate again
   * (`--warehouse`), which is what auto-promotion would pick. Promoting any other Freight puts
   * an auto-promotion hold on the origin (akuity/kargo v1.11.2
   * pkg/webhook/kubernetes/promotion/webhook.go `syncHoldAnnotations`).
   */
  rerun: string;
}

export interface LifecyclePlan {
  role: BuildRole;
  rebuilds: RebuildLifecycle[];
  /** Base Warehouses that are not in the base render, with the images that take them as a baseline. */
  newBases: Array<{ warehouse: string; images: string[] }>;
  /** Images enrolled here whose workflow cannot take a dry run (a canary dispatches nothing for them). */
  notDispatched: string[];
}

export interface LifecycleInput {
  estate: Estate;
  role: BuildRole;
  project: string;
  /** The base render's resources, when the plan compares against one. */
  base?: readonly RenderedResource[];
}

export function rebuildLifecycle(input: LifecycleInput): LifecyclePlan {
  const { estate, role, project } = input;
  const names = estateNames(estate.bases);
  const before = input.base ? kargoObjectNames(input.base) : undefined;
  const rebuilds: RebuildLifecycle[] = [];
  const notDispatched: string[] = [];
  const takers = new Map<string, string[]>();
  for (const node of estate.images) {
    if (node.triggers.length === 0) continue;
    if (!dispatchesRebuilds(node.spec, role)) {
      notDispatched.push(node.spec.name);
      continue;
    }
    const stage = names.rebuildStage(node.spec.name);
    const origins = [...new Set(node.triggers.map((t) => triggerOrigin(t, estate, names).warehouse))].sort();
    for (const o of origins) takers.set(o, [...(takers.get(o) ?? []), node.spec.name]);
    rebuilds.push({
      image: node.spec.name,
      stage,
      auto: node.spec.autoRebuild,
      dispatch: role === "owner" ? "build" : "dry run",
      origins,
      new: before !== undefined && !before.has(`Stage/${stage}`),
      rerun: `kargo promote --project ${project} --stage ${stage} --warehouse ${origins.length === 1 ? origins[0] : "<the base's warehouse>"}`,
    });
  }
  const newBases = before
    ? estate.bases
        .map((b) => names.baseWarehouse.get(b.key)!)
        .filter((w) => !before.has(`Warehouse/${w}`))
        .sort()
        .map((warehouse) => ({ warehouse, images: takers.get(warehouse) ?? [] }))
    : [];
  return { role, rebuilds, newBases, notDispatched };
}

/**
 * `Kind/name` of every Kargo object a render declares: applied directly (a CustomResource's
 * inputs) or committed for Argo CD (the YAML documents of a committed file).
 */
export function kargoObjectNames(resources: readonly RenderedResource[]): Set<string> {
  const out = new Set<string>();
  const add = (o: unknown) => {
    const obj = o as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
    if (typeof obj?.apiVersion === "string" && obj.apiVersion.startsWith("kargo.akuity.io/") && typeof obj.kind === "string" && typeof obj.metadata?.name === "string") {
      out.add(`${obj.kind}/${obj.metadata.name}`);
    }
  };
  for (const r of resources) {
    if (r.type.startsWith("kubernetes:kargo.akuity.io/")) add(r.inputs);
    if (r.type === "github:index/repositoryFile:RepositoryFile" && typeof r.inputs.content === "string" && r.inputs.content.includes("kargo.akuity.io/")) {
      for (const doc of parseAllDocuments(r.inputs.content)) add(doc.toJS());
    }
  }
  return out;
}
