/**
 * The review summary of a stack: what it declares (or what changes against a base render),
 * the rebuild graph, the registry polling budget, what each base update sets off, and the
 * things a reviewer should know. Built from a render and the estate model; pure.
 */
import { UserError } from "../config/errors";
import { DEFAULT_NOTIFICATION_EVENTS, DEFAULT_NOTIFY_WORKFLOW, WEBHOOK_SECRET_NAME } from "../config/notifications";
import { factoryDefinedBuild, sourceKey } from "../config/source";
import type { StackSettings } from "../config/stack";
import { dispatchesRebuilds } from "../kargo/objects";
import { knownLimit, type RegistryPolling, registryPolling } from "../kargo/polling";
import { type WindowPlan, windowPlans, windowWarnings } from "../kargo/windows";
import type { Estate } from "../model/types";
import type { RenderedResource, RenderResult } from "../render/render";
import { diffResources, type ResourceChange, shortType } from "./diff";
import { type EnvironmentChain, environmentChains } from "./environments";
import { type FanOut, fanOut, type GraphMarks, rebuildGraph, shortBase } from "./graph";
import { type LifecyclePlan, rebuildLifecycle } from "./lifecycle";

export interface PlanInput {
  render: Pick<RenderResult, "project" | "stack" | "resources" | "files" | "logs" | "notes">;
  estate: Estate;
  /** The stack's settings, with the overlay's registry settings merged in. */
  settings: Pick<StackSettings, "registries" | "promotion" | "delivery" | "github"> & Partial<Pick<StackSettings, "builds" | "kargoProject" | "notifications">>;
  /** images.yaml as shown to the user, and how many images it lists before the overlay. */
  imagesFile: { file: string; images: number };
  /** The overlay applied, as shown to the user. */
  overlay?: string;
  /** The estate revision (promotion). */
  revision?: string;
  base?: { shownAs: string; resources: readonly RenderedResource[]; stack?: string; outputs?: Record<string, unknown> };
  /** Above this many nodes the graph shows the part the change touches (default 80). */
  maxNodes?: number;
  /** This render's stack outputs (images and bases enrolled), to compare with the base's. */
  outputs?: Record<string, unknown>;
  /** Whether the committed lock matches the Dockerfiles (checked when they are readable locally). */
  lock?: LockState;
  /** The instant "next opens" is counted from (default: now). */
  now?: Date;
}

export interface LockState {
  file: string;
  status: "fresh" | "stale" | "missing" | "unchecked";
  /** The command that refreshes it. */
  command: string;
  /** Why it was not checked. */
  reason?: string;
}

export interface EstateChange {
  imagesAdded: string[];
  imagesRemoved: string[];
  /** A base whose tag moved (same repository): how many images it rebuilds now. */
  baseBumps: Array<{ from: string; to: string; images: number }>;
  basesAdded: Array<{ base: string; images: number }>;
  basesRemoved: string[];
}

export interface RegistryBudget extends RegistryPolling {
  /** What the known limit is. */
  limitNote?: string;
}

export interface NotificationPlan {
  events: string[];
  /** The factory repository and its notify workflow, which posts to the webhook. */
  repo: string;
  workflow: string;
  /** The GitHub environment whose secret holds the webhook. */
  environment: string;
  /** A canary stack's messages say they are about dry runs. */
  dryRuns: boolean;
}

/**
 * The stack's notifications as the program declared them: the webhook is a secret the render
 * never holds, so the sign that the stack sends any is the notify environment's secret among
 * the declared resources (src/github/notifications.ts `declareNotificationChannel`).
 */
export function notificationPlan(
  resources: readonly Pick<RenderedResource, "type" | "inputs">[],
  settings: Pick<PlanInput["settings"], "github" | "notifications" | "builds">,
): NotificationPlan | undefined {
  const secret = resources.find((r) => r.type === "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret" && r.inputs.secretName === WEBHOOK_SECRET_NAME);
  if (!secret || !settings.github.factoryRepo) return undefined;
  return {
    events: [...(settings.notifications?.events ?? DEFAULT_NOTIFICATION_EVENTS)],
    repo: settings.github.factoryRepo,
    workflow: settings.github.notifyWorkflow ?? DEFAULT_NOTIFY_WORKFLOW,
    environment: String(secret.inputs.environment ?? ""),
    dryRuns: (settings.builds ?? "owner") === "canary",
  };
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
  /** One paragraph a reviewer reads first. */
  summary: string;
  changes?: {
    base: string;
    added: number;
    changed: number;
    replaced: number;
    removed: number;
    unchanged: number;
    list: ResourceChange[];
    /** What the change does to the estate, when both renders list their images and bases. */
    estate?: EstateChange;
  };
  graph: { mermaid?: string; partial?: { shown: number; total: number }; overview?: string; marks?: GraphMarks; bases: number; images: number; edges: number };
  fanOut: FanOut[];
  /** The rebuild Stages: what runs by itself, first sight, and how to re-run a failed rebuild. */
  lifecycle: LifecyclePlan;
  /** Promotion through environments: each image's chain of update Stages (owner stacks only). */
  environments: EnvironmentChain[];
  /** Whether each new version also dispatches the factory's analyze workflow. */
  analysis: boolean;
  /** Rebuild windows, per image that has one, with when each next opens. */
  windows: WindowPlan[];
  /** Where rebuild notifications go and which events, when the stack sends any. */
  notifications?: NotificationPlan;
  registries: RegistryBudget[];
  /** The security scan of each image's build (images.yaml `scan`). */
  scans: ScanPlan;
  warnings: string[];
  notes: string[];
}

export interface ScanPlan {
  /** Images whose generated build scans before pushing, grouped by their settings. */
  scanned: Array<{ failOn: string[]; ignoreUnfixed: boolean; images: string[] }>;
  /** Generated builds with `scan: false`. */
  off: string[];
  /** Images built by a workflow of their own: scanning is that workflow's job. */
  ownWorkflow: string[];
}

/** How the enrolled images' builds scan, from images.yaml. Pure. */
export function scanPlan(estate: Pick<Estate, "images">): ScanPlan {
  const groups = new Map<string, ScanPlan["scanned"][number]>();
  const off: string[] = [];
  const ownWorkflow: string[] = [];
  for (const { spec } of [...estate.images].sort((a, b) => cmp(a.spec.name, b.spec.name))) {
    if (!factoryDefinedBuild(spec.source)) ownWorkflow.push(spec.name);
    else if (spec.scan === false) off.push(spec.name);
    else {
      const key = `${spec.scan.failOn.join(",")}\0${spec.scan.ignoreUnfixed}`;
      const group = groups.get(key) ?? { failOn: [...spec.scan.failOn], ignoreUnfixed: spec.scan.ignoreUnfixed, images: [] };
      group.images.push(spec.name);
      groups.set(key, group);
    }
  }
  return { scanned: [...groups.values()], off, ownWorkflow };
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
    const estateChange = compareEstates(input.base.outputs, input.outputs, fanOut(estate));
    changes = {
      base: input.base.shownAs,
      added: diff.changes.filter((c) => c.op === "add").length,
      changed: diff.changes.filter((c) => c.op === "change").length,
      replaced: diff.changes.filter((c) => c.op === "replace").length,
      removed: diff.changes.filter((c) => c.op === "remove").length,
      unchanged: diff.unchanged,
      list: diff.changes,
      ...(estateChange ? { estate: estateChange } : {}),
    };
  }

  const registries: RegistryBudget[] = registryPolling(estate, input.settings.registries, input.settings.builds).map((p) => {
    const note = knownLimit(p.registry, p.authenticated)?.note;
    return note ? { ...p, limitNote: note } : p;
  });
  const fan = fanOut(estate);
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  // Only the images this stack has a rebuild Stage for (a canary sends only dry runs).
  const windows = windowPlans(estate.images.filter((i) => i.triggers.length > 0 && dispatchesRebuilds(i.spec, input.settings.builds ?? "owner")).map((i) => i.spec), now);
  const repositories = new Set(estate.images.map((i) => sourceKey(i.spec.source))).size;

  return {
    project: render.project,
    stack: render.stack,
    images: {
      file: input.imagesFile.file,
      enrolled: estate.images.length,
      listed: input.imagesFile.images,
      repositories,
    },
    summary: changes ? changeSummary(changes) : stackSummary(estate.images.length, repositories, estate.bases.length, fan),
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
      ...(() => {
        const marks = changes ? graphMarks(changes, estate, input.outputs) : undefined;
        return { ...rebuildGraph(estate, { ...(marks ? { marks } : {}), ...(input.maxNodes ? { maxNodes: input.maxNodes } : {}) }), ...(marks ? { marks } : {}) };
      })(),
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
    environments: environmentChains(estate, input.settings.builds ?? "owner"),
    analysis: input.settings.github.factoryRepo !== undefined,
    windows,
    ...(() => {
      const notifications = notificationPlan(resources, input.settings);
      return notifications ? { notifications } : {};
    })(),
    registries,
    scans: scanPlan(estate),
    warnings: [...lockWarnings(input.lock), ...warningsOf(estate, registries, render.logs), ...windowWarnings(windows, now)],
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
    if (factoryDefinedBuild(node.spec.source) && node.spec.scan === false) {
      warnings.push(`image ${name}: scan is false, so its builds push without a vulnerability scan`);
    }
    if (!factoryDefinedBuild(node.spec.source) && !node.spec.source.workflowInputs.includes("base_digest")) {
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

/**
 * Which graph nodes the change adds, changes and removes: images and bases from the estate
 * comparison; an image is changed when a changed resource is its own (its name ends the
 * resource's, or its generated workflow file).
 */
function graphMarks(c: NonNullable<Plan["changes"]>, estate: Estate, outputs: Record<string, unknown> | undefined): GraphMarks {
  const e = c.estate;
  const added = [...(e?.imagesAdded ?? []), ...(e?.basesAdded.map((b) => b.base) ?? []), ...(e?.baseBumps.map((b) => b.to) ?? [])];
  const removed = [...(e?.imagesRemoved ?? []), ...(e?.basesRemoved ?? []), ...(e?.baseBumps.map((b) => b.from) ?? [])];
  const workflows = new Map<string, string>();
  const files = outputs?.workflowFiles;
  if (files && typeof files === "object") {
    for (const [image, where] of Object.entries(files as Record<string, unknown>)) {
      // "owner/repo:branch:path" → the RepositoryFile label "owner/repo:path"
      if (typeof where === "string") workflows.set(`${where.split(":")[0]}:${where.split(":").slice(2).join(":")}`, image);
    }
  }
  const changed = new Set<string>();
  const names = estate.images.map((n) => n.spec.name);
  for (const ch of c.list) {
    if (ch.op !== "change" && ch.op !== "replace") continue;
    const viaWorkflow = workflows.get(ch.label);
    if (viaWorkflow) changed.add(viaWorkflow);
    const last = ch.label.split(/[\s/]/).pop() ?? "";
    for (const name of names) if (last === name || last.endsWith(`-${name}`)) changed.add(name);
  }
  for (const a of added) changed.delete(a);
  return { added, changed: [...changed].sort(cmp), removed };
}

/** Names in a sentence: up to `max`, then "and N more". */
function names(list: readonly string[], max = 5): string {
  if (list.length <= max) return list.join(", ");
  return `${list.slice(0, max).join(", ")} and ${list.length - max} more`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Without a base: what the stack is, and its widest fan-out. */
function stackSummary(images: number, repositories: number, bases: number, fan: readonly FanOut[]): string {
  const widest = fan[0];
  const parts = [`${plural(images, "image")} in ${plural(repositories, "repository", "repositories")} rebuilt from ${plural(bases, "watched base")}.`];
  if (widest && widest.rebuilt.length + widest.held.length > 0) {
    parts.push(`The widest base, ${shortBase(widest.base)}, rebuilds ${plural(widest.rebuilt.length, "image")} when it moves${widest.held.length ? ` and holds ${widest.held.length} for a person` : ""}.`);
  }
  return parts.join(" ");
}

/** With a base: the estate change first (images, bases and what they set off), then resources. */
function changeSummary(c: NonNullable<Plan["changes"]>): string {
  const parts: string[] = [];
  const e = c.estate;
  if (e) {
    if (e.imagesAdded.length) parts.push(`${plural(e.imagesAdded.length, "image")} enrolled (${names(e.imagesAdded)})`);
    if (e.imagesRemoved.length) parts.push(`${plural(e.imagesRemoved.length, "image")} removed (${names(e.imagesRemoved)})`);
    if (e.baseBumps.length) {
      const affected = e.baseBumps.reduce((n, b) => n + b.images, 0);
      parts.push(
        `${plural(e.baseBumps.length, "base bump")} ${e.baseBumps.length === 1 ? "affects" : "affect"} ${plural(affected, "image")}: ` +
          e.baseBumps.slice(0, 5).map((b) => `${shortBase(b.from)} → ${shortBase(b.to)} (${plural(b.images, "image")})`).join(", ") +
          (e.baseBumps.length > 5 ? ` and ${e.baseBumps.length - 5} more` : ""),
      );
    }
    if (e.basesAdded.length) parts.push(`${plural(e.basesAdded.length, "new base")} watched (${names(e.basesAdded.map((b) => `${shortBase(b.base)}: ${plural(b.images, "image")}`), 3)})`);
    if (e.basesRemoved.length) parts.push(`${plural(e.basesRemoved.length, "base")} no longer watched (${names(e.basesRemoved.map(shortBase), 3)})`);
  }
  if (c.list.length === 0) {
    parts.push("no resource changes");
  } else {
    const counts = [
      c.added ? `${c.added} to add` : "",
      c.changed ? `${c.changed} to change` : "",
      c.replaced ? `**${c.replaced} to replace**` : "",
      c.removed ? `${c.removed} to remove` : "",
    ].filter(Boolean);
    parts.push(`resources: ${counts.join(", ")}`);
  }
  const text = parts.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Images and bases of the two renders (their `images` and `bases` outputs), compared. */
function compareEstates(base: Record<string, unknown> | undefined, head: Record<string, unknown> | undefined, fan: readonly FanOut[]): EstateChange | undefined {
  const list = (o: Record<string, unknown> | undefined, key: string) => (Array.isArray(o?.[key]) && (o![key] as unknown[]).every((x) => typeof x === "string") ? (o![key] as string[]) : undefined);
  const [baseImages, headImages, baseBases, headBases] = [list(base, "images"), list(head, "images"), list(base, "bases"), list(head, "bases")];
  if (!baseImages || !headImages || !baseBases || !headBases) return undefined;
  const reach = new Map(fan.map((f) => [f.base, f.rebuilt.length + f.held.length]));
  const added = headBases.filter((b) => !baseBases.includes(b));
  const removed = baseBases.filter((b) => !headBases.includes(b));
  // A bump: the same repository (and platform) at another tag.
  const repoOf = (key: string) => key.replace(/@(?=[a-z0-9]+\/)[^@]*$/, "").replace(/:[^:/@]+$/, "") + (key.match(/@[a-z0-9]+\/[^@]*$/)?.[0] ?? "");
  const bumps: EstateChange["baseBumps"] = [];
  const bumped = new Set<string>();
  for (const to of added) {
    const from = removed.find((r) => !bumped.has(r) && repoOf(r) === repoOf(to));
    if (!from) continue;
    bumped.add(from);
    bumped.add(to);
    bumps.push({ from, to, images: reach.get(to) ?? 0 });
  }
  return {
    imagesAdded: headImages.filter((i) => !baseImages.includes(i)).sort(cmp),
    imagesRemoved: baseImages.filter((i) => !headImages.includes(i)).sort(cmp),
    baseBumps: bumps,
    basesAdded: added.filter((b) => !bumped.has(b)).map((b) => ({ base: b, images: reach.get(b) ?? 0 })),
    basesRemoved: removed.filter((b) => !bumped.has(b)),
  };
}

export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
