/**
 * The Kargo objects of the estate, as plain data (the GitOps mode commits exactly these).
 *
 * Topology, linear in images + distinct bases (never in image–base pairs):
 *   Warehouse base-*        one per watched base (Digest of the tag by default)
 *   Stage seen-*            one per watched base: auto-promoted, a no-op step; holding the
 *                           newest Freight is what starts its soak clock
 *   Warehouse image-*       one per managed image, on its published X.Y.Z tags
 *   Stage seen-image-*      one per managed image that other images are built FROM
 *   Warehouse source-*      one per managed image: its source repo, limited to the build context
 *   Stage rebuild-*         one per image: one requestedFreight entry per trigger, taken from
 *                           that trigger's observer after requiredSoakTime = rebuildDelay;
 *                           its http step dispatches the image's workflow
 *   Stage analyze-*         one per managed image (when the factory repo is configured)
 *   Stage update-*          one per image with `updates`
 *
 * Why an observer: Kargo's soak time only applies to Freight taken from an upstream Stage,
 * and only a Stage that holds Freight (has steps) accrues it.
 */
import { toGoDuration, parseDuration } from "../config/duration";
import type { ImageSpec } from "../config/schema";
import { dispatchTarget } from "../github/workflow";
import type { KubernetesObject } from "../gitops/manifests";
import type { Estate, ImageNode, RebuildTrigger, WatchedBase } from "../model/types";
import { type EstateNames, estateNames } from "./names";
import { intervalFor, registryPolling, type RegistryPolling, type RegistrySettings } from "./polling";

export const KARGO_API_VERSION = "kargo.akuity.io/v1alpha1";
/** The Secret the dispatch reads (`secret('github-credentials').password`): the original's contract. */
export const GITHUB_CREDENTIALS_SECRET = "github-credentials";
/** The Secret Kargo's git steps find by repoURL (label cred-type git). */
export const GIT_CREDENTIALS_SECRET = "git-credentials";
/** What `triggered_by` says on a rebuild dispatch (the original's contract). */
export const TRIGGERED_BY = "kargo-base-image-update";
/** Published versions the managed-image Warehouses select: plain X.Y.Z. */
export const VERSION_TAG_REGEX = "^\\d+\\.\\d+\\.\\d+$";

export interface KargoOptions {
  /** The Kargo Project, and so the namespace of every object. */
  project: string;
  /** Polling settings per registry host (stack config `registries`). */
  registries?: Record<string, RegistrySettings>;
  /** The factory's own repository, owner/name; without it there are no analysis Stages. */
  factoryRepo?: string;
  /** The branch the factory's analyze workflow runs on. */
  factoryBranch?: string;
  /** The factory's analyze workflow file. */
  analyzeWorkflow?: string;
}

/** Bounds on the dispatch call: a failing call must not be re-sent forever. */
export const DISPATCH_RETRY = { timeout: "30m", errorThreshold: 3 } as const;
export const DISPATCH_REQUEST_TIMEOUT = "30s";

const ACCEPT = { name: "Accept", value: "application/vnd.github+json" };
const API_VERSION = { name: "X-GitHub-Api-Version", value: "2022-11-28" };
const CONTENT_TYPE = { name: "Content-Type", value: "application/json" };
const AUTHORIZATION = { name: "Authorization", value: `Bearer \${{ secret('${GITHUB_CREDENTIALS_SECRET}').password }}` };

function meta(name: string, namespace: string, labels?: Record<string, string>): KubernetesObject["metadata"] {
  return labels ? { name, namespace, labels } : { name, namespace };
}

/** An expr-lang string literal (JSON's escaping is a subset expr-lang reads the same way). */
function lit(text: string): string {
  return JSON.stringify(text);
}

/** The trigger's origin Warehouse, its repoURL and how its base reference reads in the body. */
export interface TriggerOrigin {
  warehouse: string;
  observer: string;
  repoURL: string;
  /** expr-lang expression for `base_image`. */
  baseImage: string;
}

export function triggerOrigin(trigger: RebuildTrigger, estate: Estate, names: EstateNames): TriggerOrigin {
  if (trigger.source.kind === "base") {
    const key = trigger.source.key;
    const base = estate.bases.find((b) => b.key === key);
    if (!base) throw new Error(`trigger names an unknown base ${key}`);
    return {
      warehouse: names.baseWarehouse.get(key)!,
      observer: names.baseObserver.get(key)!,
      repoURL: base.repoURL,
      baseImage: lit(trigger.reference),
    };
  }
  const parentName = trigger.source.name;
  const parent = estate.images.find((i) => i.spec.name === parentName);
  if (!parent) throw new Error(`trigger names an unknown image ${parentName}`);
  const warehouse = names.imageWarehouse(parentName);
  // The parent's new version: its repository at the tag the Freight carries.
  return {
    warehouse,
    observer: names.imageObserver(parentName),
    repoURL: parent.repoURL,
    baseImage: `${lit(`${parent.repoURL}:`)} + (imageFrom(${lit(parent.repoURL)}, warehouse(${lit(warehouse)}))?.Tag ?? "")`,
  };
}

/**
 * `{"a": x, "b": y}[ctx.targetFreight.origin.name]`: the value for the Warehouse whose Freight
 * is being promoted. A rebuild Stage takes Freight from several origins; each Promotion moves
 * exactly one of them, and that one is the base that moved.
 */
function byOrigin(entries: Array<[string, string]>): string {
  if (entries.length === 1) return entries[0][1];
  return `{${entries.map(([k, v]) => `${lit(k)}: ${v}`).join(", ")}}[ctx.targetFreight.origin.name]`;
}

/** A workflow_dispatch call: the ref and exactly the inputs the workflow declares. */
export interface Dispatch {
  url: string;
  ref: string;
  /** Input name → expr-lang expression of its value. */
  inputs: Record<string, string>;
  /** The http step's body. */
  body: string;
}

export function rebuildDispatch(image: ImageSpec, origins: TriggerOrigin[]): Dispatch {
  const target = dispatchTarget(image);
  const values: Record<string, string> = {
    version_bump: lit(image.versionBump),
    triggered_by: lit(TRIGGERED_BY),
    base_image: byOrigin(origins.map((o) => [o.warehouse, o.baseImage])),
    base_digest: byOrigin(origins.map((o) => [o.warehouse, `(imageFrom(${lit(o.repoURL)}, warehouse(${lit(o.warehouse)}))?.Digest ?? "")`])),
  };
  const inputs = Object.fromEntries(target.inputs.map((name) => [name, values[name]]));
  return { url: dispatchURL(target.repo, target.workflow), ref: target.ref, inputs, body: dispatchBodyOf(target.ref, inputs) };
}

/** `${% quote({...}) %}`: a map literal's `}}` would end a ${{ }} expression early; quote() keeps the body a string. */
export function dispatchBodyOf(ref: string, inputs: Record<string, string>): string {
  const entries = Object.entries(inputs).map(([name, value]) => `${lit(name)}: ${value}`).join(", ");
  return `\${% quote({"ref": ${lit(ref)}, "inputs": {${entries}}}) %}`;
}

function dispatchStep(alias: string, url: string, body: string) {
  return {
    uses: "http",
    as: alias,
    retry: { ...DISPATCH_RETRY },
    config: {
      method: "POST",
      url,
      headers: [ACCEPT, AUTHORIZATION, API_VERSION, CONTENT_TYPE].map((h) => ({ ...h })),
      body,
      timeout: DISPATCH_REQUEST_TIMEOUT,
      successExpression: "response.status == 204",
      // 4xx is final (bad token, unknown workflow, undeclared input); 429 and 5xx are retried.
      failureExpression: "response.status >= 400 && response.status < 500 && response.status != 429",
      errorExpression: 'response.body?.message ?? ("HTTP " + string(response.status))',
    },
  };
}

function dispatchURL(repo: string, workflow: string): string {
  return `https://api.github.com/repos/${repo}/actions/workflows/${workflow}/dispatches`;
}

function observerStage(name: string, warehouse: string, namespace: string): KubernetesObject {
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(name, namespace),
    spec: {
      requestedFreight: [{ origin: { kind: "Warehouse", name: warehouse }, sources: { direct: true } }],
      promotionTemplate: {
        spec: {
          // A regular Stage needs a step to hold Freight (and so to accrue soak time);
          // compose-output changes nothing outside the Promotion.
          steps: [{ uses: "compose-output", as: "observed", config: { freight: "${{ ctx.targetFreight.name }}" } }],
        },
      },
    },
  };
}

function baseWarehouse(base: WatchedBase, name: string, namespace: string, polling: RegistryPolling[]): KubernetesObject {
  const image: Record<string, unknown> = { repoURL: base.repoURL };
  if (base.tagPolicy === "digest") {
    Object.assign(image, { imageSelectionStrategy: "Digest", constraint: base.tag });
  } else if (base.tagPolicy === "semver") {
    Object.assign(image, { imageSelectionStrategy: "SemVer", constraint: base.constraint });
  } else {
    Object.assign(image, { imageSelectionStrategy: "Lexical", allowTagsRegexes: [base.constraint] });
  }
  if (base.platform) image.platform = base.platform;
  // The webhook's defaults, set explicitly so Pulumi sees no drift.
  Object.assign(image, { strictSemvers: true, discoveryLimit: 20 });
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Warehouse",
    metadata: meta(name, namespace),
    spec: {
      interval: intervalFor(polling, base.registry, base.interval),
      freightCreationPolicy: "Automatic",
      subscriptions: [{ image }],
    },
  };
}

function imageWarehouse(node: ImageNode, name: string, namespace: string, polling: RegistryPolling[]): KubernetesObject {
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Warehouse",
    metadata: meta(name, namespace),
    spec: {
      interval: intervalFor(polling, node.spec.registry),
      freightCreationPolicy: "Automatic",
      subscriptions: [
        {
          image: {
            repoURL: node.repoURL,
            imageSelectionStrategy: "SemVer",
            allowTagsRegexes: [VERSION_TAG_REGEX],
            strictSemvers: true,
            discoveryLimit: 20,
          },
        },
      ],
    },
  };
}

/** The paths whose commits mean the image's bases may have changed. */
export function sourceIncludePaths(image: ImageSpec): string[] {
  const context = image.source.context === "." ? "" : image.source.context.replace(/\/+$/, "");
  const paths = context ? [context] : [];
  const dockerfile = image.source.dockerfile;
  if (context && !dockerfile.startsWith(`${context}/`)) paths.push(dockerfile);
  if (!context) paths.push(dockerfile);
  return paths;
}

/**
 * The source repo, limited to the build context. A separate Warehouse from the image's: a
 * commit must re-run the analysis, but it is not a new version, so it must not rebuild the
 * image's children or open update pull requests.
 */
function sourceWarehouse(node: ImageNode, name: string, namespace: string): KubernetesObject {
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Warehouse",
    metadata: meta(name, namespace),
    spec: {
      interval: "5m0s",
      freightCreationPolicy: "Automatic",
      subscriptions: [
        {
          git: {
            repoURL: `https://github.com/${node.spec.source.repo}.git`,
            branch: node.spec.source.branch,
            commitSelectionStrategy: "NewestFromBranch",
            includePaths: sourceIncludePaths(node.spec),
            strictSemvers: true,
            discoveryLimit: 20,
          },
        },
      ],
    },
  };
}

function rebuildStage(node: ImageNode, estate: Estate, names: EstateNames, namespace: string): KubernetesObject {
  const delay = parseDuration(node.spec.rebuildDelay)!;
  // One entry per origin: several triggers can share a Warehouse only if they are the same base.
  const origins = new Map<string, TriggerOrigin>();
  for (const trigger of node.triggers) {
    const origin = triggerOrigin(trigger, estate, names);
    if (!origins.has(origin.warehouse)) origins.set(origin.warehouse, origin);
  }
  const list = [...origins.values()].sort((a, b) => (a.warehouse < b.warehouse ? -1 : a.warehouse > b.warehouse ? 1 : 0));
  const dispatch = rebuildDispatch(node.spec, list);
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(names.rebuildStage(node.spec.name), namespace),
    spec: {
      requestedFreight: list.map((o) => ({
        origin: { kind: "Warehouse", name: o.warehouse },
        sources: delay > 0 ? { stages: [o.observer], requiredSoakTime: toGoDuration(delay) } : { stages: [o.observer] },
      })),
      promotionTemplate: {
        spec: { steps: [dispatchStep("dispatch", dispatch.url, dispatch.body)] },
      },
    },
  };
}

/** The inputs the factory's analyze workflow must declare. */
export const ANALYZE_INPUTS = ["image", "version"] as const;

function analyzeStage(node: ImageNode, names: EstateNames, namespace: string, options: Required<Pick<KargoOptions, "factoryRepo" | "factoryBranch" | "analyzeWorkflow">>): KubernetesObject {
  const imageWh = names.imageWarehouse(node.spec.name);
  const version = `(imageFrom(${lit(node.repoURL)}, warehouse(${lit(imageWh)}))?.Tag ?? "")`;
  const body = dispatchBodyOf(options.factoryBranch, { image: lit(node.spec.name), version });
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(names.analyzeStage(node.spec.name), namespace),
    spec: {
      // A new version or a change to the build context: either may change the image's bases.
      requestedFreight: [
        { origin: { kind: "Warehouse", name: imageWh }, sources: { direct: true } },
        { origin: { kind: "Warehouse", name: names.sourceWarehouse(node.spec.name) }, sources: { direct: true } },
      ],
      promotionTemplate: { spec: { steps: [dispatchStep("dispatch", dispatchURL(options.factoryRepo, options.analyzeWorkflow), body)] } },
    },
  };
}

function updateStage(node: ImageNode, names: EstateNames, namespace: string): KubernetesObject {
  const imageWh = names.imageWarehouse(node.spec.name);
  // quote(): a tag such as 1.10 must stay a string, not become a number.
  const tag = `\${{ quote(imageFrom(${lit(node.repoURL)}, warehouse(${lit(imageWh)})).Tag) }}`;
  const steps: unknown[] = [];
  node.spec.updates.forEach((update, i) => {
    const dir = `./update-${i}`;
    const repoURL = `https://github.com/${update.repo}.git`;
    steps.push({ uses: "git-clone", as: `clone-${i}`, config: { repoURL, checkout: [{ branch: update.branch, path: dir }] } });
    if (update.type === "kustomize-set-image") {
      steps.push({ uses: "kustomize-set-image", as: `set-image-${i}`, config: { path: `${dir}/${update.path}`, images: [{ image: node.repoURL, tag }] } });
    } else {
      steps.push({ uses: "yaml-update", as: `set-value-${i}`, config: { path: `${dir}/${update.path}`, updates: [{ key: update.key, value: tag }] } });
    }
    steps.push({ uses: "git-commit", as: `commit-${i}`, config: { path: dir, message: `Update ${node.spec.name} to ${tag}` } });
    steps.push({ uses: "git-push", as: `push-${i}`, config: { path: dir, generateTargetBranch: true } });
    steps.push({
      uses: "git-open-pr",
      as: `open-pr-${i}`,
      config: {
        repoURL,
        sourceBranch: `\${{ outputs['push-${i}'].branch }}`,
        targetBranch: update.branch,
        title: `Update ${node.repoURL} to ${tag}`,
        description: `Opened by Kargo (image-factory) for the new version of ${node.repoURL}.`,
      },
    });
  });
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(names.updateStage(node.spec.name), namespace),
    spec: {
      requestedFreight: [{ origin: { kind: "Warehouse", name: imageWh }, sources: { direct: true } }],
      promotionTemplate: { spec: { steps } },
    },
  };
}

/** Which Stages promote by themselves. Exact names only: every one of them exists. */
function promotionPolicies(stages: Array<{ name: string; auto: boolean }>) {
  return stages
    .filter((s) => s.auto)
    .map((s) => s.name)
    .sort()
    .map((name) => ({ stageSelector: { name }, autoPromotionEnabled: true }));
}

export interface KargoPlan {
  objects: KubernetesObject[];
  polling: RegistryPolling[];
  names: EstateNames;
  /** Repositories the git steps of update Stages push to (owner/name), sorted. */
  gitRepos: string[];
}

/** Every Kargo object of the estate (no Secrets), sorted by kind then name. */
export function planKargo(estate: Estate, options: KargoOptions): KargoPlan {
  const ns = options.project;
  const names = estateNames(estate.bases);
  const polling = registryPolling(estate, options.registries ?? {});
  const objects: KubernetesObject[] = [];
  const stages: Array<{ name: string; auto: boolean }> = [];
  const parents = new Set(estate.images.flatMap((i) => i.triggers.flatMap((t) => (t.source.kind === "image" ? [t.source.name] : []))));

  for (const base of estate.bases) {
    objects.push(baseWarehouse(base, names.baseWarehouse.get(base.key)!, ns, polling));
    const observer = names.baseObserver.get(base.key)!;
    objects.push(observerStage(observer, names.baseWarehouse.get(base.key)!, ns));
    stages.push({ name: observer, auto: true });
  }
  const analysis = options.factoryRepo
    ? { factoryRepo: options.factoryRepo, factoryBranch: options.factoryBranch ?? "main", analyzeWorkflow: options.analyzeWorkflow ?? "analyze.yml" }
    : undefined;
  for (const node of estate.images) {
    const name = node.spec.name;
    objects.push(imageWarehouse(node, names.imageWarehouse(name), ns, polling));
    if (parents.has(name)) {
      objects.push(observerStage(names.imageObserver(name), names.imageWarehouse(name), ns));
      stages.push({ name: names.imageObserver(name), auto: true });
    }
    if (node.triggers.length > 0) {
      objects.push(rebuildStage(node, estate, names, ns));
      stages.push({ name: names.rebuildStage(name), auto: node.spec.autoRebuild });
    }
    if (analysis) {
      objects.push(sourceWarehouse(node, names.sourceWarehouse(name), ns));
      objects.push(analyzeStage(node, names, ns, analysis));
      stages.push({ name: names.analyzeStage(name), auto: true });
    }
    if (node.spec.updates.length > 0) {
      objects.push(updateStage(node, names, ns));
      stages.push({ name: names.updateStage(name), auto: true });
    }
  }

  const project: KubernetesObject = { apiVersion: KARGO_API_VERSION, kind: "Project", metadata: { name: ns } };
  const projectConfig: KubernetesObject = {
    apiVersion: KARGO_API_VERSION,
    kind: "ProjectConfig",
    metadata: meta(ns, ns),
    spec: { promotionPolicies: promotionPolicies(stages) },
  };
  const order = ["Project", "ProjectConfig", "Warehouse", "Stage"];
  const sorted = [project, projectConfig, ...objects].sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
  );
  assertUniqueNames(sorted);
  const gitRepos = [...new Set(estate.images.flatMap((i) => i.spec.updates.map((u) => u.repo)))].sort();
  return { objects: sorted, polling, names, gitRepos };
}

/** The plain Kargo objects (what GitOps delivery commits). */
export function buildKargoObjects(estate: Estate, options: KargoOptions): KubernetesObject[] {
  return planKargo(estate, options).objects;
}

function assertUniqueNames(objects: KubernetesObject[]): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    // Names come from hashed, collision-checked slugs; a repeat is a defect, not a user mistake.
    if (seen.has(id)) throw new Error(`two Kargo objects would be named ${id}`);
    seen.add(id);
  }
}
