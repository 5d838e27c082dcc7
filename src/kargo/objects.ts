/**
 * The Kargo objects of the estate, as plain data (the GitOps mode commits exactly these).
 *
 * Topology: objects grow with bases, source repositories and the images something follows,
 * never with image–base pairs:
 *   Warehouse base-*        one per watched base (Digest of the tag by default)
 *   Stage seen-*            one per watched base: auto-promoted, a no-op step; holding the
 *                           newest Freight is what starts its soak clock
 *   Warehouse image-*       one per managed image that something follows: images built FROM
 *                           it, or its `updates` (its published X.Y.Z tags)
 *   Stage seen-image-*      one per managed image that other images are built FROM
 *   Stage rebuild-*         one per image with a trigger: one requestedFreight entry per
 *                           origin (base or parent image), taken from that origin's observer
 *                           after requiredSoakTime = rebuildDelay (MatchUpstream); each
 *                           Promotion moves one origin and, unless it is that origin's first
 *                           sight, dispatches the image's workflow and follows the run (with
 *                           a rebuildWindow, an automatic one first waits for the window)
 *   Warehouse source-*      one per source repository and branch (owner role, analysis on):
 *                           the newest commit touching any enrolled image's build context
 *   Stage analyze-*         one per source repository and branch: dispatches the factory's
 *                           analyze workflow, which refreshes the lock through a pull request
 *   Stage update-*          one per image with `updates` (owner role): one for the updates
 *                           without an environment, and update-<image>--<env> per environment,
 *                           each after the one it follows (environments.ts)
 *
 * Why an observer: Kargo's soak time only applies to Freight taken from an upstream Stage,
 * and only a Stage that holds Freight (has steps) accrues it. A newer Freight replaces the
 * older one in the observer, whose soak then never completes: rebuildDelay is a debounce.
 *
 * Why source watching is its own Warehouse: a commit to a build context may change an
 * image's bases (so it re-runs the analysis) but is not a new version, so it must not
 * rebuild children or open update pull requests, as it would in an image's Warehouse.
 */
import { parseDuration } from "../config/duration";
import { UserError } from "../config/errors";
import type { ImageSpec } from "../config/schema";
import { isGitlab, sourceKey, sourceLabel, sourceRepoURL } from "../config/source";
import { dispatchTarget } from "../github/workflow";
import type { KubernetesObject } from "../gitops/manifests";
import type { Estate, ImageNode, RebuildTrigger, WatchedBase } from "../model/types";
import { type EstateNames, estateNames, kubeName, uniqueNames } from "./names";
import { kargoDuration } from "./durations";
import { ENVIRONMENT_LABEL, PR_POLL_INTERVAL, PR_WAIT_ERROR_THRESHOLD, requestedFreightOf, type UpdateGroup, updateGroups } from "./environments";
import { type BuildRole, managedParents, opensUpdates } from "./followed";
import { gitlabDispatchStep, gitlabFollowStep, gitlabJobCheckStep } from "./gitlab";
import { intervalFor, registryPolling, type RegistryPolling, type RegistrySettings } from "./polling";
import { dispatchedStep, movedStep, type NotifyContext, notifiesOutcome, type NotifyOptions, outcomeStep, referenceValues } from "./notifications";
import { windowedDispatchGuard, windowStep } from "./windows";

export const KARGO_API_VERSION = "kargo.akuity.io/v1alpha1";
/** The Secret the dispatch reads (`secret('github-credentials').password`): the original's contract. */
export const GITHUB_CREDENTIALS_SECRET = "github-credentials";
/** The Secret Kargo's git steps find by repoURL (label cred-type git). */
export const GIT_CREDENTIALS_SECRET = "git-credentials";
/** What `triggered_by` says on a rebuild dispatch (the original's contract). */
export const TRIGGERED_BY = "kargo-base-image-update";
/** Published versions the managed-image Warehouses select: plain X.Y.Z. */
export const VERSION_TAG_REGEX = "^\\d+\\.\\d+\\.\\d+$";
/**
 * The label the ProjectConfig's one promotion policy selects (`stageSelector.matchLabels`):
 * enrolling an image labels its own Stages instead of growing a shared list of names.
 */
export const AUTO_PROMOTE_LABEL = "image-factory/auto-promote";
/** GitHub's REST API; GitHub Enterprise Server has its own (`https://HOST/api/v3`). */
export const GITHUB_API_URL = "https://api.github.com";

export type { BuildRole };

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
  /** This stack's role for the builds of its images (default owner). */
  buildRole?: BuildRole;
  /**
   * Ask GitHub for the run each dispatch starts (`return_run_details`) and follow it to its
   * end (default true). Off for GitHub Enterprise Server versions that reject the parameter.
   */
  followRuns?: boolean;
  /** GitHub's REST API base URL, no trailing slash (default https://api.github.com). */
  githubApiUrl?: string;
  /** Rebuild notifications (src/kargo/notifications.ts); absent: none. */
  notifications?: NotifyOptions;
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
 * Retries of the GitHub calls (dispatch and run-following), read against akuity/kargo v1.11.2
 * pkg/promotion/local_orchestrator.go `determineStepCompletion`:
 * - 429, 5xx and rate-limited 403s meet neither the success nor the failure expression, so the
 *   step stays Running and is re-sent every poll interval until `timeout` marks it Errored
 *   (http_requester.go `run`, the default case). Twelve hours outlast a GitHub incident of a
 *   few hours; a Promotion that still fails is re-run by hand (README: "Re-running a rebuild").
 * - A transport error is a non-terminal error: `ErrorCount` grows (pkg/promotion/promotion.go
 *   `StepMetadata.Error`; it is reset only when the step first starts, so it counts every
 *   error of the step) and the Promotion is requeued with controller-runtime's exponential
 *   backoff (5 ms doubling to 1000 s). 500 errors take far longer than the timeout either way
 *   (back to back: about 5 days; between Running polls: at least 500 poll intervals), so the
 *   timeout, not the error count, decides when a rebuild gives up.
 */
export const STEP_RETRY = { timeout: kargoDuration(12 * 60 * 60), errorThreshold: 500 } as const;
/** Per request. */
export const REQUEST_TIMEOUT = "30s";
/** Between re-sends of a dispatch after a 429, 5xx or rate limit (GitHub asks for at least a minute). */
export const DISPATCH_POLL_INTERVAL = "1m";
/** Between looks at a running build. */
export const RUN_POLL_INTERVAL = "2m";
/**
 * Tags examined per poll of an image subscription. Each examined tag costs a manifest GET on
 * every poll (see polling.ts); only the newest is ever promoted, and Freight already created
 * stays available, so one is enough.
 */
export const IMAGE_DISCOVERY_LIMIT = 1;
/**
 * Commits a source subscription selects: only the newest matters (it re-runs the analysis).
 * With includePaths, Kargo walks the branch in growing batches only until it has found this
 * many matching commits (pkg/controller/git/commit/newest_from_branch_selector.go `Select`).
 */
export const GIT_DISCOVERY_LIMIT = 1;

/**
 * GitHub's primary and secondary rate limits answer 403 or 429, usually with `retry-after` or
 * `x-ratelimit-remaining: 0`, and always with a message that says "rate limit" (some secondary
 * limits send neither header); those are retried, any other 4xx is final. `response.header` is
 * the response's `Header.Get` (http_requester.go `buildExprEnv`), so names are case-insensitive.
 */
export const RATE_LIMITED =
  '(response.status == 429 || (response.status == 403 && (response.header("Retry-After") != "" || response.header("X-RateLimit-Remaining") == "0" || lower(string(response.body?.message ?? "")) contains "rate limit")))';
/** A client error GitHub will answer the same way again: bad token, unknown workflow, undeclared input. */
export const FINAL_CLIENT_ERROR = `(response.status >= 400 && response.status < 500 && !${RATE_LIMITED})`;
/** GitHub's own message, else the status. */
const GITHUB_MESSAGE = '(response.body?.message ?? ("HTTP " + string(response.status)))';
/** Conclusions of a completed run that count as built (a run whose jobs were all skipped built nothing wrong). */
const GOOD_CONCLUSIONS = '["success", "neutral", "skipped"]';

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

export interface DispatchSettings {
  role: BuildRole;
  followRuns: boolean;
  apiUrl: string;
  /** The rebuild Stages' notifications, when the stack sends them. */
  notify?: NotifyOptions;
}

const DEFAULT_DISPATCH: DispatchSettings = { role: "owner", followRuns: true, apiUrl: GITHUB_API_URL };

/** Every dispatch value (input name → expr-lang expression of a string), GitHub's and GitLab's alike. */
export function dispatchValues(image: ImageSpec, origins: TriggerOrigin[], role: BuildRole): Record<string, string> {
  return {
    image: lit(image.name),
    version_bump: lit(image.versionBump),
    triggered_by: lit(TRIGGERED_BY),
    base_image: byOrigin(origins.map((o) => [o.warehouse, o.baseImage])),
    base_digest: byOrigin(origins.map((o) => [o.warehouse, `(imageFrom(${lit(o.repoURL)}, warehouse(${lit(o.warehouse)}))?.Digest ?? "")`])),
    // A string: GitHub takes workflow_dispatch input values as strings, GitLab variables are strings.
    dry_run: lit(role === "canary" ? "true" : "false"),
  };
}

export function rebuildDispatch(image: ImageSpec, origins: TriggerOrigin[], settings: DispatchSettings = DEFAULT_DISPATCH): Dispatch {
  const target = dispatchTarget(image);
  const values = dispatchValues(image, origins, settings.role);
  const inputs = Object.fromEntries(target.inputs.map((name) => [name, values[name]]));
  return {
    url: dispatchURL(settings.apiUrl, target.repo, target.workflow),
    ref: target.ref,
    inputs,
    body: dispatchBodyOf(target.ref, inputs, settings.followRuns),
  };
}

/** Whether a stack of this role dispatches the image's rebuilds at all. */
export function dispatchesRebuilds(image: ImageSpec, role: BuildRole): boolean {
  // A canary only sends dry runs, and only a workflow that declares dry_run can take one. A
  // GitLab pipeline always gets IMAGE_FACTORY_DRY_RUN (the suggested job honours it).
  if (isGitlab(image.source)) return true;
  return role === "owner" || (dispatchTarget(image).inputs as readonly string[]).includes("dry_run");
}

/**
 * `${% quote({...}) %}`: a map literal's `}}` would end a ${{ }} expression early; quote() keeps
 * the body a string. `return_run_details` makes GitHub answer 200 with the run's id and URLs
 * instead of 204 (GitHub changelog 2026-02-19, "Workflow dispatch API now returns run IDs").
 */
export function dispatchBodyOf(ref: string, inputs: Record<string, string>, returnRunDetails = false): string {
  const entries = Object.entries(inputs).map(([name, value]) => `${lit(name)}: ${value}`).join(", ");
  const details = returnRunDetails ? `, "return_run_details": true` : "";
  return `\${% quote({"ref": ${lit(ref)}, "inputs": {${entries}}${details}}) %}`;
}

/**
 * The workflow_dispatch call. With run details the run's id and page become the step's
 * outputs; a 204 (a GitHub Enterprise Server that ignores the parameter) leaves them empty,
 * and the run is then not followed.
 */
function dispatchStep(url: string, body: string, followRuns: boolean, guard?: string) {
  const outputs = followRuns
    ? {
        outputs: [
          // The id arrives as a JSON number (a Go float64): int() first, or string() would print 1.7e+10.
          { name: "runId", fromExpression: 'response.status == 200 && response.body?.workflow_run_id != nil ? string(int(response.body.workflow_run_id)) : ""' },
          { name: "runUrl", fromExpression: 'response.status == 200 ? (response.body?.html_url ?? "") : ""' },
        ],
      }
    : {};
  return {
    uses: "http",
    as: "dispatch",
    ...(guard ? { if: guard } : {}),
    retry: { ...STEP_RETRY },
    config: {
      method: "POST",
      url,
      headers: [ACCEPT, AUTHORIZATION, API_VERSION, CONTENT_TYPE].map((h) => ({ ...h })),
      body,
      timeout: REQUEST_TIMEOUT,
      pollInterval: DISPATCH_POLL_INTERVAL,
      successExpression: followRuns ? "response.status == 200 || response.status == 204" : "response.status == 204",
      failureExpression: FINAL_CLIENT_ERROR,
      errorExpression: GITHUB_MESSAGE,
      ...outputs,
    },
  };
}

/**
 * Follows the dispatched run until it completes: a failed, cancelled or timed-out build fails
 * the Promotion with the run's page in its message, so Kargo's UI shows which rebuilds are green.
 */
function followRunStep(apiUrl: string, repo: string) {
  const completed = 'response.status == 200 && response.body?.status == "completed"';
  const good = `response.body?.conclusion in ${GOOD_CONCLUSIONS}`;
  return {
    uses: "http",
    as: "build",
    // Only when the dispatch ran and GitHub named the run (a skipped dispatch has no outputs).
    if: '${{ (outputs.dispatch?.runId ?? "") != "" }}',
    retry: { ...STEP_RETRY },
    config: {
      method: "GET",
      url: `${apiUrl}/repos/${repo}/actions/runs/\${{ outputs.dispatch.runId }}`,
      headers: [ACCEPT, AUTHORIZATION, API_VERSION].map((h) => ({ ...h })),
      timeout: REQUEST_TIMEOUT,
      pollInterval: RUN_POLL_INTERVAL,
      successExpression: `${completed} && ${good}`,
      failureExpression: `${FINAL_CLIENT_ERROR} || (${completed} && !(${good}))`,
      errorExpression: `response.status == 200 ? ("the build ended " + (response.body?.conclusion ?? "without a conclusion") + ": " + (response.body?.html_url ?? "")) : ${GITHUB_MESSAGE}`,
    },
  };
}

/** The Stage metadata key that says an origin has been seen by the rebuild Stage. */
export function seenKey(warehouse: string): string {
  return `seen-${warehouse}`;
}

/**
 * Dispatch only when a person promoted (any Promotion a person or `kargo promote` creates
 * carries its creator; one the controller auto-creates has none: akuity/kargo v1.11.2
 * pkg/webhook/kubernetes/promotion/webhook.go sets kargo.akuity.io/create-actor only for
 * requests from outside the control plane, and pkg/api/annotations.go
 * `CreateActorAnnotationValue` turns a missing one into ""), or when this Stage has seen the
 * origin before. The first auto-promotion of an origin (install, enrollment, a rename, a
 * switch to autoRebuild) is its baseline: nothing moved, so nothing is built.
 *
 * Never twice: when the controller restarts a Promotion (a new pod has a new work dir, so
 * pkg/controller/promotions/promotions.go `promote` resets the steps but keeps their
 * outputs), a dispatch that already named its run is not sent again; the build step follows
 * the run it knows.
 */
export const DISPATCH_GUARD =
  '${{ (outputs.dispatch?.runId ?? "") == "" && (ctx.meta.promotion.actor != "" || ((stageMetadata(ctx.stage) ?? {})["seen-" + ctx.targetFreight.origin.name] ?? "") != "") }}';

/**
 * Records, for the promoted origin, the Freight this Stage last took; the other origins keep
 * theirs (set-metadata upserts each key it is given: api/v1alpha1/stage_types.go
 * `StageStatus.UpsertMetadata`; keys are never evaluated, so every origin has its own static
 * key). Runs whether the dispatch built, skipped (a baseline) or failed: once an origin was
 * promoted it has been seen. Not after an Errored dispatch (its guard could not be evaluated,
 * so nothing is known). It runs right after the dispatch, not after the build: the Stage
 * reconciler can drop status.metadata written while one of its passes is under way (its
 * final status patch diffs against a refreshed copy), and the end of a Promotion always
 * starts such a pass.
 */
function recordSeenStep(origins: TriggerOrigin[], extra: Record<string, string> = {}) {
  const values = Object.fromEntries(
    origins.map((o) => {
      const key = seenKey(o.warehouse);
      return [key, `\${{ quote(ctx.targetFreight.origin.name == ${lit(o.warehouse)} ? ctx.targetFreight.name : ((stageMetadata(ctx.stage) ?? {})[${lit(key)}] ?? "")) }}`];
    }),
  );
  // Other records of the same Promotion (e.g. the references notifications read) ride along.
  Object.assign(values, extra);
  return {
    uses: "set-metadata",
    as: "seen",
    if: "${{ status('dispatch') != 'Errored' }}",
    config: { updates: [{ kind: "Stage", name: "${{ ctx.stage }}", values }] },
  };
}

function dispatchURL(apiUrl: string, repo: string, workflow: string): string {
  return `${apiUrl}/repos/${repo}/actions/workflows/${workflow}/dispatches`;
}

const AUTO = { [AUTO_PROMOTE_LABEL]: "true" };

function observerStage(name: string, warehouse: string, namespace: string): KubernetesObject {
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(name, namespace, AUTO),
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

/** One source repository and branch, and the enrolled images built from it. */
export interface SourceRepo {
  /** `owner/name@branch` (GitLab: `<host>/<path>@branch`). */
  key: string;
  /** owner/name, or the GitLab project's `<host>/<path>` (what the analyze workflow is sent). */
  repo: string;
  /** The HTTPS clone URL Kargo's git subscription polls. */
  repoURL: string;
  branch: string;
  images: ImageNode[];
}

/** The enrolled images grouped by source repository and branch, sorted by key. */
export function sourceRepos(estate: Estate): SourceRepo[] {
  const byKey = new Map<string, SourceRepo>();
  for (const node of estate.images) {
    const { branch } = node.spec.source;
    const repo = sourceLabel(node.spec.source);
    const key = `${repo}@${branch}`;
    const entry = byKey.get(key) ?? { key, repo, repoURL: sourceRepoURL(node.spec.source), branch, images: [] };
    entry.images.push(node);
    byKey.set(key, entry);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The source repository and branch, limited to every enrolled image's build context: one
 * Warehouse per repository however many images it holds. Only the newest matching commit
 * matters, and a blobless clone (`--filter=blob:none`) fetches no file contents to find it.
 */
function sourceWarehouse(source: SourceRepo, name: string, namespace: string): KubernetesObject {
  const includePaths = [...new Set(source.images.flatMap((n) => sourceIncludePaths(n.spec)))].sort();
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
            repoURL: source.repoURL,
            branch: source.branch,
            commitSelectionStrategy: "NewestFromBranch",
            includePaths,
            strictSemvers: true,
            discoveryLimit: GIT_DISCOVERY_LIMIT,
            blobless: true,
          },
        },
      ],
    },
  };
}

/** What the notification steps of an image's rebuild Stage are built from. */
function notifyContext(node: ImageNode, origins: TriggerOrigin[], names: EstateNames, namespace: string, settings: DispatchSettings, options: NotifyOptions): NotifyContext {
  return {
    options,
    project: namespace,
    image: node.spec.name,
    stage: names.rebuildStage(node.spec.name),
    origins: origins.map((o) => ({ warehouse: o.warehouse, baseImage: o.baseImage, digest: `(imageFrom(${lit(o.repoURL)}, warehouse(${lit(o.warehouse)}))?.Digest ?? "")` })),
    dryRun: settings.role === "canary",
    buildsOn: isGitlab(node.spec.source) ? "GitLab" : "GitHub",
    github: {
      apiUrl: settings.apiUrl,
      headers: [ACCEPT, AUTHORIZATION, API_VERSION, CONTENT_TYPE],
      body: (ref, inputs) => dispatchBodyOf(ref, inputs),
      failureExpression: FINAL_CLIENT_ERROR,
      errorExpression: GITHUB_MESSAGE,
      timeout: REQUEST_TIMEOUT,
    },
  };
}

function rebuildStage(node: ImageNode, estate: Estate, names: EstateNames, namespace: string, settings: DispatchSettings): KubernetesObject {
  const delay = parseDuration(node.spec.rebuildDelay)!;
  // One entry per origin: several triggers can share a Warehouse only if they are the same base.
  const origins = new Map<string, TriggerOrigin>();
  for (const trigger of node.triggers) {
    const origin = triggerOrigin(trigger, estate, names);
    if (!origins.has(origin.warehouse)) origins.set(origin.warehouse, origin);
  }
  const list = [...origins.values()].sort((a, b) => (a.warehouse < b.warehouse ? -1 : a.warehouse > b.warehouse ? 1 : 0));
  const gitlab = isGitlab(node.spec.source);
  // GitLab always names the pipeline it created, so it is always followed.
  const gitlabSettings = { retry: STEP_RETRY, requestTimeout: REQUEST_TIMEOUT, dispatchPollInterval: DISPATCH_POLL_INTERVAL, runPollInterval: RUN_POLL_INTERVAL, guard: DISPATCH_GUARD };
  const notify = settings.notify ? notifyContext(node, list, names, namespace, settings, settings.notify) : undefined;
  // A rebuild window: an automatic rebuild first waits for it (src/kargo/windows.ts), whichever
  // provider builds it.
  const window = node.spec.rebuildWindow;
  const guard = window ? windowedDispatchGuard(DISPATCH_GUARD) : DISPATCH_GUARD;
  const seen = recordSeenStep(list, notify ? referenceValues(notify.origins) : {});
  let steps: unknown[];
  if (gitlab) {
    steps = [gitlabDispatchStep(node.spec, dispatchValues(node.spec, list, settings.role), { ...gitlabSettings, guard }), seen];
  } else {
    const dispatch = rebuildDispatch(node.spec, list, settings);
    steps = [dispatchStep(dispatch.url, dispatch.body, settings.followRuns, guard), seen];
  }
  if (window) steps.unshift(windowStep(window, settings.apiUrl, DISPATCH_GUARD));
  if (notify) {
    steps.unshift(movedStep(notify));
    if (notify.options.events.includes("dispatched")) steps.push(dispatchedStep(notify));
  }
  if (gitlab) steps.push(gitlabFollowStep(node.spec, gitlabSettings), gitlabJobCheckStep(node.spec, gitlabSettings));
  else if (settings.followRuns) steps.push(followRunStep(settings.apiUrl, dispatchTarget(node.spec).repo));
  if (notify && notifiesOutcome(notify.options)) steps.push(outcomeStep(notify));
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(names.rebuildStage(node.spec.name), namespace, node.spec.autoRebuild ? AUTO : undefined),
    spec: {
      requestedFreight: list.map((o) => ({
        origin: { kind: "Warehouse", name: o.warehouse },
        sources: {
          stages: [o.observer],
          ...(delay > 0 ? { requiredSoakTime: kargoDuration(delay) } : {}),
          // Only the Freight the observer holds now: with the default (NewestFreight) the
          // controller lists Freight soaked in any Stage, and picks a superseded digest the
          // Promotion webhook then rejects (pkg/api/stage.go `ListFreightAvailableToStage`).
          autoPromotionOptions: { selectionPolicy: "MatchUpstream" },
        },
      })),
      promotionTemplate: { spec: { steps } },
    },
  };
}

/** The inputs the factory's analyze workflow must declare. */
export const ANALYZE_INPUTS = ["repo", "commit"] as const;

function analyzeStage(source: SourceRepo, name: string, warehouse: string, namespace: string, options: AnalysisOptions, apiUrl: string): KubernetesObject {
  const repoURL = source.repoURL;
  const commit = `(commitFrom(${lit(repoURL)}, warehouse(${lit(warehouse)}))?.ID ?? "")`;
  const body = dispatchBodyOf(options.factoryBranch, { repo: lit(source.repo), commit });
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(name, namespace, AUTO),
    spec: {
      requestedFreight: [{ origin: { kind: "Warehouse", name: warehouse }, sources: { direct: true } }],
      promotionTemplate: { spec: { steps: [dispatchStep(dispatchURL(apiUrl, options.factoryRepo, options.analyzeWorkflow), body, false)] } },
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
 * One pull request per update of the group, on each new version of the image: clone the target
 * branch, set the new tag (kustomize-set-image: the image's repoURL gets the tag; yaml-update:
 * the key gets the tag, not the full reference), commit, push a generated branch, open the PR.
 * Push and PR only run when the commit step made a commit: a target that already has the
 * version (or a Promotion run again) must not end in GitHub's "no commits between" error.
 * An environment another one follows then waits for its pull requests to be merged
 * (environments.ts): the next environment's soak starts from the merge.
 */
function updateStage(node: ImageNode, group: UpdateGroup, names: EstateNames, namespace: string): KubernetesObject {
  const imageWh = names.imageWarehouse(node.spec.name);
  const tagOf = `imageFrom(${lit(node.repoURL)}, warehouse(${lit(imageWh)})).Tag`;
  // A whole field: quote() keeps a tag such as 1.10 a string instead of the number 1.1.
  const tagValue = `\${{ quote(${tagOf}) }}`;
  // Inside a longer text: no quote(), which would put quotation marks into the text.
  const tagText = `\${{ ${tagOf} }}`;
  const steps: unknown[] = [];
  const where = group.environment ? ` (${group.environment})` : "";
  const committedAt = (i: number) => `\${{ success() && outputs['commit-${i}']?.commit != outputs['clone-${i}']?.commits?.target }}`;
  group.updates.forEach((update, i) => {
    const dir = `./update-${i}`;
    const repoURL = `https://github.com/${update.repo}.git`;
    const committed = committedAt(i);
    steps.push({ uses: "git-clone", as: `clone-${i}`, config: { repoURL, checkout: [{ branch: update.branch, path: dir, as: "target" }] } });
    if (update.type === "kustomize-set-image") {
      steps.push({ uses: "kustomize-set-image", as: `set-image-${i}`, config: { path: `${dir}/${kustomizationDir(update.path)}`, images: [{ image: node.repoURL, tag: tagValue }] } });
    } else {
      steps.push({ uses: "yaml-update", as: `set-value-${i}`, config: { path: `${dir}/${update.path}`, updates: [{ key: update.key, value: tagValue }] } });
    }
    steps.push({ uses: "git-commit", as: `commit-${i}`, config: { path: dir, message: `Update ${node.repoURL} to ${tagText}${where}` } });
    steps.push({ uses: "git-push", as: `push-${i}`, if: committed, config: { path: dir, generateTargetBranch: true } });
    steps.push({
      uses: "git-open-pr",
      as: `open-pr-${i}`,
      if: committed,
      config: {
        repoURL,
        sourceBranch: `\${{ outputs['push-${i}'].branch }}`,
        targetBranch: update.branch,
        title: `Update ${node.repoURL} to ${tagText}${where}`,
        description: `Opened by Kargo (image-factory) for the new version of ${node.repoURL}${group.environment ? ` in environment ${group.environment}` : ""}.`,
      },
    });
  });
  if (group.followed) {
    // After every pull request is open, so none waits unopened behind another's merge.
    group.updates.forEach((update, i) => {
      steps.push({
        uses: "git-wait-for-pr",
        as: `merged-${i}`,
        if: committedAt(i),
        retry: { errorThreshold: PR_WAIT_ERROR_THRESHOLD },
        config: { repoURL: `https://github.com/${update.repo}.git`, prNumber: `\${{ outputs['open-pr-${i}'].pr.id }}`, pollInterval: PR_POLL_INTERVAL },
      });
    });
  }
  const labels = group.environment ? { ...AUTO, [ENVIRONMENT_LABEL]: group.environment } : AUTO;
  return {
    apiVersion: KARGO_API_VERSION,
    kind: "Stage",
    metadata: meta(group.stage, namespace, labels),
    spec: {
      requestedFreight: requestedFreightOf(group, imageWh),
      promotionTemplate: { spec: { steps } },
    },
  };
}

interface AnalysisOptions {
  factoryRepo: string;
  factoryBranch: string;
  analyzeWorkflow: string;
}

/** Every Stage that promotes by itself carries AUTO_PROMOTE_LABEL; one policy selects them all. */
function promotionPolicies() {
  return [{ stageSelector: { matchLabels: { ...AUTO } }, autoPromotionEnabled: true }];
}

/** A rebuild Stage's dispatch target (dispatchTarget()), so the workflow file can be in place before the Stage. */
export interface StageDispatch {
  stage: string;
  /** owner/name */
  repo: string;
  /** The branch the run uses. */
  branch: string;
  /** The workflow file's path in the repository. */
  workflowPath: string;
}

export interface KargoPlan {
  objects: KubernetesObject[];
  polling: RegistryPolling[];
  names: EstateNames;
  /** GitHub repositories Kargo needs git credentials for (owner/name), sorted: update targets, and source repos when analysis is on. */
  gitRepos: string[];
  /** GitLab projects Kargo needs git credentials for (source repos when analysis is on), by host, paths sorted. */
  gitlabRepos: Record<string, string[]>;
  /** Whether a Stage creates GitLab pipelines (and so reads the gitlab-credentials Secret). */
  gitlabPipelines: boolean;
  /** The workflow each rebuild Stage dispatches, sorted by Stage. */
  dispatches: StageDispatch[];
}

/** Every Kargo object of the estate (no Secrets), sorted by kind then name. */
export function planKargo(estate: Estate, options: KargoOptions): KargoPlan {
  const ns = options.project;
  const role = options.buildRole ?? "owner";
  const settings: DispatchSettings = {
    role,
    followRuns: options.followRuns ?? true,
    apiUrl: options.githubApiUrl ?? GITHUB_API_URL,
    ...(options.notifications ? { notify: options.notifications } : {}),
  };
  // Analysis refreshes the lock through a pull request: the owner's work, like update PRs.
  const analysis: AnalysisOptions | undefined =
    options.factoryRepo && role === "owner"
      ? { factoryRepo: options.factoryRepo, factoryBranch: options.factoryBranch ?? "main", analyzeWorkflow: options.analyzeWorkflow ?? "analyze.yml" }
      : undefined;
  checkKargoLimits(estate, analysis !== undefined, options.imagesFile ?? "images.yaml");
  const names = estateNames(estate.bases);
  const polling = registryPolling(estate, options.registries ?? {}, role);
  const objects: KubernetesObject[] = [];
  const dispatches: StageDispatch[] = [];
  const parents = managedParents(estate);
  const updates = (node: ImageNode) => opensUpdates(node, role);
  let gitlabPipelines = false;

  for (const base of estate.bases) {
    objects.push(baseWarehouse(base, names.baseWarehouse.get(base.key)!, ns, polling));
    objects.push(observerStage(names.baseObserver.get(base.key)!, names.baseWarehouse.get(base.key)!, ns));
  }
  for (const node of estate.images) {
    const name = node.spec.name;
    // An image's own Warehouse only where something follows its versions.
    if (parents.has(name) || updates(node)) objects.push(imageWarehouse(node, names.imageWarehouse(name), ns, polling));
    if (parents.has(name)) objects.push(observerStage(names.imageObserver(name), names.imageWarehouse(name), ns));
    if (node.triggers.length > 0 && dispatchesRebuilds(node.spec, role)) {
      objects.push(rebuildStage(node, estate, names, ns, settings));
      if (isGitlab(node.spec.source)) {
        gitlabPipelines = true;
      } else {
        const target = dispatchTarget(node.spec);
        dispatches.push({ stage: names.rebuildStage(name), repo: target.repo, branch: target.ref, workflowPath: `.github/workflows/${target.workflow}` });
      }
    }
    if (updates(node)) for (const group of updateGroups(node.spec, names)) objects.push(updateStage(node, group, names, ns));
  }
  if (analysis) {
    const sources = sourceRepos(estate);
    const keys = sources.map((s) => s.key);
    const warehouses = uniqueNames(keys, (k) => kubeName("source", k), "source");
    const stages = uniqueNames(keys, (k) => kubeName("analyze", k), "analyze");
    for (const source of sources) {
      const warehouse = warehouses.get(source.key)!;
      objects.push(sourceWarehouse(source, warehouse, ns));
      objects.push(analyzeStage(source, stages.get(source.key)!, warehouse, ns, analysis, settings.apiUrl));
    }
  }

  const project: KubernetesObject = {
    apiVersion: KARGO_API_VERSION,
    kind: "Project",
    // The namespace holds the Secrets this stack applies beside the Kargo objects, and the
    // Freight history: deleting the Project (on purpose, or when Argo CD prunes it) must not
    // take them with it (akuity/kargo v1.11.2 pkg/controller/management/projects/projects.go
    // `shouldKeepNamespace` reads this from the Project or the namespace).
    metadata: { name: ns, annotations: { "kargo.akuity.io/keep-namespace": "true" } },
  };
  const projectConfig: KubernetesObject = {
    apiVersion: KARGO_API_VERSION,
    kind: "ProjectConfig",
    metadata: meta(ns, ns),
    spec: { promotionPolicies: promotionPolicies() },
  };
  const order = ["Project", "ProjectConfig", "Warehouse", "Stage"];
  const sorted = [project, projectConfig, ...objects].sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
  );
  assertUniqueNames(sorted, options.imagesFile ?? "images.yaml");
  // Kargo finds git credentials by repoURL: the update targets, and the source repos the
  // source Warehouses poll (they may be private).
  const gitRepos = [
    ...new Set(
      estate.images.flatMap((i) => [...(updates(i) ? i.spec.updates.map((u) => u.repo) : []), ...(analysis && !isGitlab(i.spec.source) ? [i.spec.source.repo] : [])]),
    ),
  ].sort();
  const gitlabRepos: Record<string, string[]> = {};
  if (analysis) {
    const seen = new Set<string>();
    for (const i of estate.images.filter((n) => isGitlab(n.spec.source))) {
      const key = sourceKey(i.spec.source);
      if (seen.has(key)) continue;
      seen.add(key);
      (gitlabRepos[i.spec.source.host!] ??= []).push(i.spec.source.repo);
    }
    for (const paths of Object.values(gitlabRepos)) paths.sort();
  }
  dispatches.sort((a, b) => (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0));
  return { objects: sorted, polling, names, gitRepos, gitlabRepos: sortKeys(gitlabRepos), gitlabPipelines, dispatches };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
