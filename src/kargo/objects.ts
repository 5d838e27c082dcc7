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
 *   Stage rebuild-*         one per image with a trigger: one requestedFreight entry per
 *                           origin (base or parent image), taken from that origin's observer
 *                           after requiredSoakTime = rebuildDelay; each Promotion moves one
 *                           origin, and its http step dispatches the image's workflow naming
 *                           that origin (ctx.targetFreight.origin.name) as the base that moved
 *   Stage analyze-*         one per managed image (when the factory repo is configured)
 *   Stage update-*          one per image with `updates`
 *
 * Why an observer: Kargo's soak time only applies to Freight taken from an upstream Stage,
 * and only a Stage that holds Freight (has steps) accrues it. A newer Freight replaces the
 * older one in the observer, whose soak then never completes: rebuildDelay is a debounce.
 *
 * Why the source repo is a Warehouse of its own: a commit to the build context may change the
 * image's bases (so it re-runs the analysis) but is not a new version, so it must not rebuild
 * the image's children or open update pull requests, as it would in the image's Warehouse.
 */
import { parseDuration } from "../config/duration";
import { UserError } from "../config/errors";
import type { ImageSpec } from "../config/schema";
import { dispatchTarget } from "../github/workflow";
import type { KubernetesObject } from "../gitops/manifests";
import type { Estate, ImageNode, RebuildTrigger, WatchedBase } from "../model/types";
import { type EstateNames, estateNames } from "./names";
import { kargoDuration } from "./durations";
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
  /** How images.yaml is named in errors. */
  imagesFile?: string;
}

/** Kargo's git subscription branch pattern (kargo-schemas/subscriptions/git.json). */
const KARGO_BRANCH = /^[a-zA-Z0-9]([a-zA-Z0-9._/-]*[a-zA-Z0-9_-])?$/;
/** Kargo's image subscription repoURL pattern (kargo-schemas/subscriptions/image.json). */
const KARGO_IMAGE_REPO = /^(\w+([.-]\w+)*(:[\d]+)?\/)?(\w+([.-]\w+)*)(\/\w+([.-]\w+)*)*$/;

/**
 * What images.yaml accepts but Kargo's admission webhook would reject only at apply time
 * (after other objects were already applied): reported up front, as the user's to fix.
 */
function checkKargoLimits(estate: Estate, sourceWarehouses: boolean, file: string): void {
  const problems: Array<{ file: string; subject: string; field: string; message: string }> = [];
  for (const node of estate.images) {
    const subject = `image "${node.spec.name}"`;
    if (!KARGO_IMAGE_REPO.test(node.repoURL)) {
      problems.push({ file, subject, field: "repository", message: `${node.repoURL} is not a repository Kargo can watch (it rejects separators such as "--" or "__" inside a name)` });
    }
    if (sourceWarehouses && !KARGO_BRANCH.test(node.spec.source.branch)) {
      problems.push({ file, subject, field: "source.branch", message: "Kargo watches only branches made of letters, digits and . _ / - (starting with a letter or digit, not ending in . or /)" });
    }
  }
  for (const base of estate.bases) {
    if (!KARGO_IMAGE_REPO.test(base.repoURL)) {
      problems.push({ file, subject: `base "${base.key}"`, field: "base", message: `${base.repoURL} is not a repository Kargo can watch (it rejects separators such as "--" or "__" inside a name)` });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}

/**
 * Bounds on the dispatch call, so a failing call is never re-sent forever: a 429 or 5xx leaves
 * the step Running and Kargo re-sends it every DISPATCH_POLL_INTERVAL until the retry timeout
 * marks it Errored; transport errors count against errorThreshold.
 */
export const DISPATCH_RETRY = { timeout: kargoDuration(30 * 60), errorThreshold: 3 } as const;
/** Per request. */
export const DISPATCH_REQUEST_TIMEOUT = "30s";
/** Between re-sends after a 429 or 5xx (GitHub asks for at least a minute after a secondary rate limit). */
export const DISPATCH_POLL_INTERVAL = "1m";
/**
 * Tags examined per poll of an image subscription. Each examined tag costs a manifest GET on
 * every poll (see polling.ts); only the newest is ever promoted, and Freight already created
 * stays available, so one is enough.
 */
export const IMAGE_DISCOVERY_LIMIT = 1;

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
    const warehouse = names.baseWarehouse.get(key)!;
    return {
      warehouse,
      observer: names.baseObserver.get(key)!,
      repoURL: base.repoURL,
      // A digest-followed base keeps its tag; a semver or lexical one moves to a new tag, which
      // only the Freight knows.
      baseImage: base.tagPolicy === "digest" ? lit(`${base.repoURL}:${base.tag}`) : taggedReference(base.repoURL, warehouse),
    };
  }
  const parentName = trigger.source.name;
  const parent = estate.images.find((i) => i.spec.name === parentName);
  if (!parent) throw new Error(`trigger names an unknown image ${parentName}`);
  const warehouse = names.imageWarehouse(parentName);
  // The parent's new version: its repository at the tag the Freight carries.
  return { warehouse, observer: names.imageObserver(parentName), repoURL: parent.repoURL, baseImage: taggedReference(parent.repoURL, warehouse) };
}

/** expr-lang for `<repoURL>:<tag of the image the Warehouse's Freight carries>`. */
function taggedReference(repoURL: string, warehouse: string): string {
  return `${lit(`${repoURL}:`)} + (imageFrom(${lit(repoURL)}, warehouse(${lit(warehouse)}))?.Tag ?? "")`;
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
      pollInterval: DISPATCH_POLL_INTERVAL,
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
  // strictSemvers: the webhook's default, set so Pulumi sees no drift. discoveryLimit: see
  // IMAGE_DISCOVERY_LIMIT (set explicitly, it is kept as written).
  Object.assign(image, { strictSemvers: true, discoveryLimit: IMAGE_DISCOVERY_LIMIT });
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
            // Any release: the regex admits X.Y.Z only, so no pre-release or `latest`.
            constraint: ">=0.0.0",
            allowTagsRegexes: [VERSION_TAG_REGEX],
            strictSemvers: true,
            discoveryLimit: IMAGE_DISCOVERY_LIMIT,
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
        sources: delay > 0 ? { stages: [o.observer], requiredSoakTime: kargoDuration(delay) } : { stages: [o.observer] },
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

/** kustomize-set-image works on a folder: a path naming the kustomization file means its folder. */
export function kustomizationDir(path: string): string {
  const parts = path.split("/");
  const last = parts[parts.length - 1];
  if (/^(kustomization\.ya?ml|Kustomization)$/.test(last)) return parts.slice(0, -1).join("/") || ".";
  return path;
}

/**
 * One pull request per entry of `updates`, on each new version of the image: clone the target
 * branch, set the new tag (kustomize-set-image: the image's repoURL gets the tag; yaml-update:
 * the key gets the tag, not the full reference), commit, push a generated branch, open the PR.
 * Push and PR only run when the commit step made a commit: a target that already has the
 * version (or a Promotion run again) must not end in GitHub's "no commits between" error.
 */
function updateStage(node: ImageNode, names: EstateNames, namespace: string): KubernetesObject {
  const imageWh = names.imageWarehouse(node.spec.name);
  const tagOf = `imageFrom(${lit(node.repoURL)}, warehouse(${lit(imageWh)})).Tag`;
  // A whole field: quote() keeps a tag such as 1.10 a string instead of the number 1.1.
  const tagValue = `\${{ quote(${tagOf}) }}`;
  // Inside a longer text: no quote(), which would put quotation marks into the text.
  const tagText = `\${{ ${tagOf} }}`;
  const steps: unknown[] = [];
  node.spec.updates.forEach((update, i) => {
    const dir = `./update-${i}`;
    const repoURL = `https://github.com/${update.repo}.git`;
    const committed = `\${{ success() && outputs['commit-${i}']?.commit != outputs['clone-${i}']?.commits?.target }}`;
    steps.push({ uses: "git-clone", as: `clone-${i}`, config: { repoURL, checkout: [{ branch: update.branch, path: dir, as: "target" }] } });
    if (update.type === "kustomize-set-image") {
      steps.push({ uses: "kustomize-set-image", as: `set-image-${i}`, config: { path: `${dir}/${kustomizationDir(update.path)}`, images: [{ image: node.repoURL, tag: tagValue }] } });
    } else {
      steps.push({ uses: "yaml-update", as: `set-value-${i}`, config: { path: `${dir}/${update.path}`, updates: [{ key: update.key, value: tagValue }] } });
    }
    steps.push({ uses: "git-commit", as: `commit-${i}`, config: { path: dir, message: `Update ${node.repoURL} to ${tagText}` } });
    steps.push({ uses: "git-push", as: `push-${i}`, if: committed, config: { path: dir, generateTargetBranch: true } });
    steps.push({
      uses: "git-open-pr",
      as: `open-pr-${i}`,
      if: committed,
      config: {
        repoURL,
        sourceBranch: `\${{ outputs['push-${i}'].branch }}`,
        targetBranch: update.branch,
        title: `Update ${node.repoURL} to ${tagText}`,
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
  /** Repositories Kargo needs git credentials for (owner/name), sorted: update targets, and source repos when analysis is on. */
  gitRepos: string[];
  /** The workflow each rebuild Stage dispatches (dispatchTarget()), by Stage: what it must not run before. */
  dispatches: Array<{ stage: string; repo: string; branch: string; workflowPath: string }>;
}

/** Every Kargo object of the estate (no Secrets), sorted by kind then name. */
export function planKargo(estate: Estate, options: KargoOptions): KargoPlan {
  const ns = options.project;
  const analysis = options.factoryRepo
    ? { factoryRepo: options.factoryRepo, factoryBranch: options.factoryBranch ?? "main", analyzeWorkflow: options.analyzeWorkflow ?? "analyze.yml" }
    : undefined;
  checkKargoLimits(estate, analysis !== undefined, options.imagesFile ?? "images.yaml");
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
  assertUniqueNames(sorted, options.imagesFile ?? "images.yaml");
  // Kargo finds git credentials by repoURL: the update targets, and the source repos the
  // source Warehouses poll (they may be private).
  const gitRepos = [
    ...new Set(estate.images.flatMap((i) => [...i.spec.updates.map((u) => u.repo), ...(analysis ? [i.spec.source.repo] : [])])),
  ].sort();
  const dispatches = estate.images
    .filter((i) => i.triggers.length > 0)
    .map((i) => {
      const target = dispatchTarget(i.spec);
      return { stage: names.rebuildStage(i.spec.name), repo: target.repo, branch: target.ref, workflowPath: `.github/workflows/${target.workflow}` };
    });
  return { objects: sorted, polling, names, gitRepos, dispatches };
}

/** The plain Kargo objects (what GitOps delivery commits). */
export function buildKargoObjects(estate: Estate, options: KargoOptions): KubernetesObject[] {
  return planKargo(estate, options).objects;
}

/**
 * Readable names are cut and hashed when long, and bases whose readable names collide get a
 * hash; what is left is two different things asking for one name (e.g. an image named like a
 * shortened name): the user has to rename one.
 */
function assertUniqueNames(objects: KubernetesObject[], file: string): void {
  const seen = new Map<string, KubernetesObject>();
  const problems: Array<{ file: string; subject: string; message: string }> = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    if (seen.has(id)) {
      problems.push({
        file,
        subject: `Kargo ${o.kind} ${o.metadata.name}`,
        message: "two objects of the estate would get this name; rename one of the images (or declare the base under another reference)",
      });
    }
    seen.set(id, o);
  }
  if (problems.length > 0) throw new UserError(problems);
}
