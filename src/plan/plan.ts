/**
 * The review summary of a stack: what it declares (or what changes against a base render),
 * the rebuild graph, the registry polling budget, what each base update sets off, and the
 * things a reviewer should know. Built from a render and the estate model; pure.
 */
import { UserError } from "../config/errors";
import type { StackSettings } from "../config/stack";
import { knownLimit, type RegistryPolling, registryPolling } from "../kargo/polling";
import type { Estate } from "../model/types";
import type { RenderedResource, RenderResult } from "../render/render";
import { diffResources, type ResourceChange, shortType } from "./diff";
import { type FanOut, fanOut, mermaid } from "./graph";
import { type LifecyclePlan, rebuildLifecycle } from "./lifecycle";

export interface PlanInput {
  render: Pick<RenderResult, "project" | "stack" | "resources" | "files" | "logs" | "notes">;
  estate: Estate;
  /** The stack's settings, with the overlay's registry settings merged in. */
  settings: Pick<StackSettings, "registries" | "promotion" | "delivery" | "github"> & Partial<Pick<StackSettings, "builds" | "kargoProject">>;
  /** images.yaml as shown to the user, and how many images it lists before the overlay. */
  imagesFile: { file: string; images: number };
  /** The overlay applied, as shown to the user. */
  overlay?: string;
  /** The estate revision (promotion). */
  revision?: string;
  base?: { shownAs: string; resources: readonly RenderedResource[]; stack?: string };
  /** Whether the committed lock matches the Dockerfiles (checked when they are readable locally). */
  lock?: LockState;
}

export interface LockState {
  file: string;
  status: "fresh" | "stale" | "missing" | "unchecked";
  /** The command that refreshes it. */
  command: string;
  /** Why it was not checked. */
  reason?: string;
}

export interface RegistryBudget extends RegistryPolling {
  /** What the known limit is. */
  limitNote?: string;
}

export interface Plan {
  project: string;
  stack: string;
  images: { file: string; enrolled: number; listed: number; repositories: number };
  overlay?: string;
  revision?: string;
  lock?: LockState;
  promotion?: { from: string };
  delivery: string;
  resources: { total: number; byType: Array<{ type: string; count: number }>; kubernetesObjects: number; githubFiles: number };
  changes?: { base: string; added: number; changed: number; removed: number; unchanged: number; list: ResourceChange[] };
  graph: { mermaid?: string; bases: number; images: number; edges: number };
  fanOut: FanOut[];
  /** The rebuild Stages: what runs by itself, first sight, and how to re-run a failed rebuild. */
  lifecycle: LifecyclePlan;
  /** Whether each new version also dispatches the factory's analyze workflow. */
  analysis: boolean;
  registries: RegistryBudget[];
  warnings: string[];
  notes: string[];
}

export function buildPlan(input: PlanInput): Plan {
  const { render, estate } = input;
  if (input.base?.stack !== undefined && input.base.stack !== render.stack) {
    // URNs embed the stack: every resource would show as removed and added again.
    throw new UserError([
      {
        file: input.base.shownAs,
        message: `is a render of stack ${input.base.stack}, not ${render.stack}: compare renders of the same stack (\`image-factory render --stack ${render.stack} --out DIR\` on the base)`,
      },
    ]);
  }
  // The stack itself is Pulumi's bookkeeping, not something the change declares.
  const resources = render.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
  const byType = new Map<string, number>();
  for (const r of resources) byType.set(shortType(r.type), (byType.get(shortType(r.type)) ?? 0) + 1);
  const files = [...render.files.keys()];

  let changes: Plan["changes"];
  if (input.base) {
    const strip = (list: readonly RenderedResource[]) => list.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const diff = diffResources(strip(input.base.resources), resources);
    changes = {
      base: input.base.shownAs,
      added: diff.changes.filter((c) => c.op === "add").length,
      changed: diff.changes.filter((c) => c.op === "change").length,
      removed: diff.changes.filter((c) => c.op === "remove").length,
      unchanged: diff.unchanged,
      list: diff.changes,
    };
  }

  const registries: RegistryBudget[] = registryPolling(estate, input.settings.registries, input.settings.builds).map((p) => {
    const note = knownLimit(p.registry, p.authenticated)?.note;
    return note ? { ...p, limitNote: note } : p;
  });
  const fan = fanOut(estate);

  return {
    project: render.project,
    stack: render.stack,
    images: {
      file: input.imagesFile.file,
      enrolled: estate.images.length,
      listed: input.imagesFile.images,
      repositories: new Set(estate.images.map((i) => i.spec.source.repo.toLowerCase())).size,
    },
    ...(input.overlay ? { overlay: input.overlay } : {}),
    ...(input.revision ? { revision: input.revision } : {}),
    ...(input.lock ? { lock: input.lock } : {}),
    ...(input.settings.promotion ? { promotion: { from: input.settings.promotion.from } } : {}),
    delivery: input.settings.delivery.mode === "gitops" ? `gitops (${input.settings.delivery.repo}:${input.settings.delivery.path})` : "direct",
    resources: {
      total: resources.length,
      byType: [...byType.entries()].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || cmp(a.type, b.type)),
      kubernetesObjects: files.filter((f) => f.startsWith("kubernetes/")).length,
      githubFiles: files.filter((f) => f.startsWith("github/")).length,
    },
    ...(changes ? { changes } : {}),
    graph: {
      mermaid: mermaid(estate),
      bases: estate.bases.length,
      images: estate.images.length,
      edges: estate.images.reduce((n, i) => n + new Set(i.triggers.map((t) => (t.source.kind === "base" ? `b:${t.source.key}` : `i:${t.source.name}`))).size, 0),
    },
    fanOut: fan,
    lifecycle: rebuildLifecycle({
      estate,
      role: input.settings.builds ?? "owner",
      project: input.settings.kargoProject ?? "image-factory",
      ...(input.base ? { base: input.base.resources } : {}),
    }),
    analysis: input.settings.github.factoryRepo !== undefined,
    registries,
    warnings: [...lockWarnings(input.lock), ...warningsOf(estate, registries, render.logs)],
    notes: [...render.notes],
  };
}

function lockWarnings(lock: LockState | undefined): string[] {
  if (lock?.status === "stale") return [`${lock.file} is stale: a Dockerfile changed since it was written, so this plan may miss base changes; run \`${lock.command}\` and commit it`];
  if (lock?.status === "missing") return [`${lock.file} is missing; run \`${lock.command}\` and commit it`];
  return [];
}

function warningsOf(estate: Estate, registries: readonly RegistryBudget[], logs: PlanInput["render"]["logs"]): string[] {
  const warnings: string[] = [];
  for (const log of logs) if (log.severity === "warning" || log.severity === "error") warnings.push(`program: ${log.message}`);
  for (const r of registries) {
    if (!r.overBudget) continue;
    const cap = r.budget ?? r.limit;
    warnings.push(
      `registry ${r.registry}: polling costs ${fmt(r.requestsPerHour)} requests/hour, over its ${r.budget !== undefined ? "budget" : "limit"} of ${fmt(cap ?? 0)}; ` +
        `raise image-factory:registries.${r.registry}.pullsPerHour if the account allows more, or lengthen the bases' intervals`,
    );
  }
  for (const node of estate.images) {
    const name = node.spec.name;
    if (!node.spec.autoRebuild) {
      warnings.push(`image ${name}: autoRebuild is false, so base updates wait for someone to promote its rebuild Stage in Kargo`);
    }
    if (node.triggers.length === 0) {
      warnings.push(`image ${name}: no watched base, so nothing rebuilds it automatically`);
    }
    if (!node.spec.source.generatedWorkflow && !node.spec.source.workflowInputs.includes("base_digest")) {
      warnings.push(
        `image ${name}: its own workflow ${node.spec.source.repo}/${node.spec.source.workflow} does not accept base_digest, so its builds cannot record the base digest they were built on (add the input and list it in source.workflowInputs)`,
      );
    }
  }
  for (const u of estate.unwatched) {
    if (u.reason.startsWith("pinned by digest")) {
      warnings.push(`image ${u.image}: base ${u.reference} is pinned by digest, so its updates never trigger a rebuild (pin it by tag to follow it)`);
    }
  }
  return warnings;
}

export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
