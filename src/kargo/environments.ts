/**
 * The update Stages of an image: one for its `updates` without an environment (today's
 * `update-<image>`), and one per environment, chained by `after`.
 *
 * How a version moves along the chain, read against akuity/kargo v1.11.2:
 * - The first environment (no `after`) takes Freight from the image's Warehouse directly.
 * - A later one takes it from the Stage of the environment it comes `after`
 *   (`sources.stages`), once that Stage has held it for `requiredSoakTime`. Freight reaches a
 *   downstream Stage only when it is *verified* in the upstream one; a Stage without
 *   `verification` marks its Freight verified once its Promotion succeeded and its health (no
 *   health checks: Healthy) allows (pkg/controller/stages/regular_stages.go
 *   `verifyStageFreight`, "no specific verification configuration", then
 *   `markFreightVerifiedForStage`). The soak is counted from when the Freight became current
 *   in the upstream Stage (`FreightStatus.AddCurrentStage`, set by the Stage reconciler after
 *   the Promotion), and a completed stay counts too (api/v1alpha1/freight_types.go
 *   `GetLongestSoak`).
 * - The Promotion webhook and the promotions controller admit a Freight only when
 *   `Stage.IsFreightAvailable` holds: verified and soaked in the named upstream Stage
 *   (api/v1alpha1/stage_types.go). That is the guarantee that prod never gets a version
 *   staging has not held for its soak, whatever auto-promotion proposes.
 * - Auto-promotion proposes from `ListFreightAvailableToStage` (pkg/api/stage.go), whose soak
 *   filter in v1.11.2 accepts a soak completed in *any* Stage that verified the Freight (e.g.
 *   the image's observer Stage; fixed upstream after v1.11.2 in "fix(api): scope Freight soak
 *   checks to upstream Stages"). With NewestFreight it could propose a version staging held
 *   only briefly before moving on, which the webhook would reject on every pass: the chain
 *   would stall until a newer version. MatchUpstream proposes only the Freight the upstream
 *   Stage holds now (`CurrentlyIn`); should that one have soaked elsewhere first, the webhook
 *   rejects it only until it has soaked upstream too (the failed reconcile is retried with
 *   backoff; a Stage is otherwise reconciled every 5 minutes, regular_stages.go `Reconcile`).
 *   So the chain never stalls, and the downstream environment follows the version its
 *   upstream actually runs.
 * - An environment that another follows waits for its pull requests to be merged
 *   (git-wait-for-pr): its Promotion succeeds, and its soak starts, only when the new version
 *   is in its target branch; a pull request closed without merging fails the Promotion, so
 *   the version never reaches the next environment.
 */
import type { ImageSpec } from "../config/schema";
import { kargoDurationOf } from "./durations";
import { environmentStage, type EstateNames } from "./names";

type Update = ImageSpec["updates"][number];

export interface UpdateGroup {
  /** The environment, or undefined for the updates that name none. */
  environment?: string;
  /** The environment it comes after. */
  after?: string;
  /** How long `after` must have held a version (the user's duration), when set. */
  soak?: string;
  /** Its Stage. */
  stage: string;
  /** The Stage it takes Freight from, when it comes after another environment. */
  upstream?: string;
  /** Whether another environment follows it (so it waits for its pull requests to merge). */
  followed: boolean;
  /** Its updates, in images.yaml order. */
  updates: Update[];
}

/**
 * The update groups of an image, in images.yaml order of first appearance: updates without an
 * environment first (they keep the Stage an image without environments has), then each
 * environment. Assumes the schema's checks passed (environmentIssues).
 */
export function updateGroups(spec: Pick<ImageSpec, "name" | "updates">, names: Pick<EstateNames, "updateStage">): UpdateGroup[] {
  const plain = spec.updates.filter((u) => u.environment === undefined);
  const groups: UpdateGroup[] = plain.length > 0 ? [{ stage: names.updateStage(spec.name), followed: false, updates: plain }] : [];
  const byEnvironment = new Map<string, UpdateGroup>();
  for (const u of spec.updates) {
    if (u.environment === undefined) continue;
    const group = byEnvironment.get(u.environment);
    if (group) {
      group.updates.push(u);
      continue;
    }
    const created: UpdateGroup = {
      environment: u.environment,
      ...(u.after !== undefined ? { after: u.after, upstream: environmentStage(spec.name, u.after) } : {}),
      ...(u.soak !== undefined ? { soak: u.soak } : {}),
      stage: environmentStage(spec.name, u.environment),
      followed: false,
      updates: [u],
    };
    byEnvironment.set(u.environment, created);
    groups.push(created);
  }
  for (const g of byEnvironment.values()) if (g.after !== undefined) byEnvironment.get(g.after)!.followed = true;
  return groups;
}

/** The Stage's requestedFreight: the image's Warehouse directly, or the upstream environment's Stage after its soak. */
export function requestedFreightOf(group: UpdateGroup, warehouse: string): Array<Record<string, unknown>> {
  const origin = { kind: "Warehouse", name: warehouse };
  if (group.upstream === undefined) return [{ origin, sources: { direct: true } }];
  const soak = group.soak === undefined ? undefined : kargoDurationOf(group.soak);
  return [
    {
      origin,
      sources: {
        stages: [group.upstream],
        // A zero soak (`after` without `soak`, or `soak: 0d`) needs no field.
        ...(soak !== undefined && soak !== "0s" ? { requiredSoakTime: soak } : {}),
        autoPromotionOptions: { selectionPolicy: "MatchUpstream" },
      },
    },
  ];
}

/** The label naming an update Stage's environment (for `kubectl get stages -l`). */
export const ENVIRONMENT_LABEL = "image-factory/environment";

/** Between looks at a pull request an environment waits for. */
export const PR_POLL_INTERVAL = "5m";

/**
 * Errors tolerated while waiting for a merge (GitHub outages, rate limits), counted over the
 * whole wait (pkg/promotion/promotion.go `StepMetadata.Error`; reset only when the step
 * starts): the default threshold is 1 (pkg/promotion/registry.go), so one failed look would
 * fail the Promotion. The wait itself has no timeout: git-wait-for-pr registers none
 * (pkg/promotion/runner/builtin/git_pr_waiter.go), and no timeout never expires
 * (pkg/promotion/local_orchestrator.go `determineStepCompletion`). The same threshold as the
 * rebuild's GitHub calls (objects.ts STEP_RETRY).
 */
export const PR_WAIT_ERROR_THRESHOLD = 500;
