/**
 * Rebuild notifications: the steps a rebuild Stage adds when the stack posts to a webhook.
 *
 * Why Kargo never calls the webhook itself. An incoming webhook's URL is its credential
 * (Slack, Mattermost and Google Chat carry the key in the path or the query), and Kargo
 * v1.11.2's http step puts the request URL into what every project viewer can read: on a
 * transport error (DNS, TLS, a timeout) pkg/promotion/runner/builtin/http_requester.go `run`
 * returns `error sending HTTP request: %w` around net/http's `*url.Error`, whose message is
 * `Post "<full URL>": ...` (net/http client.go `Client.do` strips only a userinfo password,
 * `stripPassword`; net/url `Error.Error`), and pkg/promotion/local_orchestrator.go
 * `reconcileResultWithMetadata` stores that message in the Promotion's
 * status.stepExecutionMetadata. A URL read with `secret()` into the step's `url` (or its
 * query parameters, which are part of the URL) would leak on any network error; headers
 * never appear in those messages.
 *
 * So the Stage dispatches the factory repository's notify workflow, as it dispatches builds:
 * the only URL in the step is GitHub's API, the token travels in the Authorization header
 * (`secret('github-credentials')`, as for every dispatch), and the message is a workflow
 * input. The workflow posts `{"text": ...}` to the webhook, which it reads from the GitHub
 * environment secret the Pulumi program writes from the stack secret (src/github/notifications.ts).
 *
 * A failing notification never fails the rebuild: every notification step has
 * `continueOnError`, which both keeps it out of the Promotion's final phase
 * (pkg/promotion/orchestrator.go `DetermineFinalPhase`) and out of `failure()` for the steps
 * after it (api/v1alpha1/promotion_types.go `StepExecutionMetadataList.HasFailures`).
 *
 * Every piece of text is data: fixed strings are expr-lang literals, the rest comes from the
 * Freight, the Stage's metadata and the steps' outputs, and the request body is one map that
 * `quote()` encodes as JSON (pkg/expressions/json_templates.go `unsafeQuoteFunc`), so no
 * value is ever evaluated as an expression or spliced into JSON by hand.
 */
import type { NotificationEvent } from "../config/notifications";
import { kargoDuration } from "./durations";

/** Where and how a stack's notifications are sent. */
export interface NotifyOptions {
  /** The Pulumi stack: named in every message, and the notify job's GitHub environment is `<stack>-notify`. */
  stack: string;
  events: readonly NotificationEvent[];
  /** The factory repository (owner/name) that holds the notify workflow. */
  factoryRepo: string;
  factoryBranch: string;
  /** The notify workflow's file name. */
  workflow: string;
}

/** The notify workflow's inputs, in the order the workflow declares them. */
export const NOTIFY_INPUTS = ["stack", "text"] as const;

/**
 * A notification is worth a few minutes of retries, not the rebuild's twelve hours: a Running
 * step holds the Promotion (the dispatched notification sits before the run is followed).
 * Rate limits and 5xx are re-sent every NOTIFY_POLL_INTERVAL until the timeout; transport
 * errors count towards errorThreshold (pkg/promotion/local_orchestrator.go
 * `determineStepCompletion`). Either way the step ends Errored, and continueOnError keeps
 * that from the rebuild.
 */
export const NOTIFY_RETRY = { timeout: kargoDuration(10 * 60), errorThreshold: 5 } as const;
export const NOTIFY_POLL_INTERVAL = "1m";

/** The Stage metadata key holding `<reference>@<digest>` of an origin's last promoted Freight. */
export function referenceKey(warehouse: string): string {
  return `reference-${warehouse}`;
}

/** What a notification step needs to know about one origin of the rebuild Stage. */
export interface NotifyOrigin {
  warehouse: string;
  /** expr-lang: `<repository>:<tag>` of the Freight being promoted. */
  baseImage: string;
  /** expr-lang: the digest of the Freight being promoted ("" when unknown). */
  digest: string;
}

/** The parts of a GitHub workflow dispatch the rebuild Stage shares with its own dispatch. */
export interface GithubDispatchParts {
  apiUrl: string;
  headers: Array<{ name: string; value: string }>;
  /** `${% quote({...}) %}` of `{"ref": ref, "inputs": inputs}` (inputs: name → expr-lang). */
  body: (ref: string, inputs: Record<string, string>) => string;
  failureExpression: string;
  errorExpression: string;
  timeout: string;
}

/** Everything the steps of one rebuild Stage depend on. */
export interface NotifyContext {
  options: NotifyOptions;
  project: string;
  image: string;
  stage: string;
  /** Sorted by warehouse. */
  origins: NotifyOrigin[];
  /** Whether the Stage sends dry runs (a canary stack). */
  dryRun: boolean;
  github: GithubDispatchParts;
  /** Where the rebuild's build runs, as failure messages name it (default GitHub). */
  buildsOn?: "GitHub" | "GitLab";
}

/** An expr-lang string literal (JSON's escaping is a subset expr-lang reads the same way). */
function lit(text: string): string {
  return JSON.stringify(text);
}

/** The value for the Warehouse whose Freight is being promoted (one per Promotion). */
function byOrigin(entries: Array<[string, string]>): string {
  if (entries.length === 1) return entries[0][1];
  return `{${entries.map(([k, v]) => `${lit(k)}: ${v}`).join(", ")}}[ctx.targetFreight.origin.name]`;
}

/** expr-lang: `<repository>:<tag>@<digest>` of the promoted origin's new Freight. */
function newReference(origins: NotifyOrigin[]): string {
  return byOrigin(origins.map((o) => [o.warehouse, `(${o.baseImage} + "@" + ${o.digest})`]));
}

/**
 * The `seen` step's extra values: for each origin its `reference-<warehouse>` key, set to the
 * new reference for the promoted origin and kept for the others (as the `seen-*` keys are).
 */
export function referenceValues(origins: NotifyOrigin[]): Record<string, string> {
  return Object.fromEntries(
    origins.map((o) => {
      const key = referenceKey(o.warehouse);
      const current = `((stageMetadata(ctx.stage) ?? {})[${lit(key)}] ?? "")`;
      return [key, `\${{ quote(ctx.targetFreight.origin.name == ${lit(o.warehouse)} ? (${o.baseImage} + "@" + ${o.digest}) : ${current}) }}`];
    }),
  );
}

/**
 * Runs first, before `seen` overwrites the origin's reference: keeps, as this Promotion's
 * outputs, the reference the Stage held (`from`) and the one it takes (`to`). Only once: a
 * Promotion the controller restarts keeps its outputs (pkg/controller/promotions/promotions.go
 * `promote`) and a skipped step does not overwrite them (local_orchestrator.go `ExecuteSteps`
 * propagates outputs only of steps that ran), so a restart after `seen` does not read the new
 * reference as the old one. continueOnError: it only feeds the messages.
 */
export function movedStep(ctx: NotifyContext) {
  const previous = `((stageMetadata(ctx.stage) ?? {})["reference-" + ctx.targetFreight.origin.name] ?? "")`;
  return {
    uses: "compose-output",
    as: "moved",
    if: "${{ outputs.moved == nil }}",
    continueOnError: true,
    config: {
      from: `\${{ quote(${previous}) }}`,
      // ${% %}: the origins' map literal must not meet a `}}` that would end ${{ }} early.
      to: `\${% quote(${newReference(ctx.origins)}) %}`,
    },
  };
}

/** Whether the Stage's dispatch went out in this Promotion. */
export const DISPATCHED = "status('dispatch') == 'Succeeded'";

/**
 * The outcome of a rebuild once its run is over: `built` when the run was followed to
 * success (GitLab: when the image's own job succeeded, src/kargo/gitlab.ts `gitlabJobCheckStep`), `failed` when any step that counts failed or errored (failure(): the dispatch, its
 * guard, the seen record, the run), "" otherwise (a baseline, or nothing to tell). A step with
 * an `if` runs after a failed one (pkg/promotion/evaluator.go `ShouldSkip` evaluates it; only
 * a step without `if` is skipped after a failure).
 */
export const OUTCOME = "(status('build') == 'Succeeded' ? 'built' : (failure() ? 'failed' : ''))";

/**
 * Why a rebuild failed, from the steps' statuses. A GitLab rebuild follows its pipeline in the
 * `pipeline` step and then checks the image's own job in `build` (src/kargo/gitlab.ts); the
 * status of a step the Stage does not have is "" (pkg/expressions/function/functions.go
 * `getStatus`), but a GitHub Stage's expression leaves those clauses out.
 */
const failureReason = (buildsOn: string) =>
  `(status('dispatch') == 'Failed' ? '${buildsOn} refused the dispatch' : ` +
  "(status('dispatch') == 'Errored' ? 'the dispatch did not get through' : " +
  (buildsOn === "GitLab"
    ? "(status('pipeline') == 'Failed' ? 'the build failed' : " +
      "(status('pipeline') == 'Errored' ? 'the build could not be followed to its end' : " +
      "(status('build') == 'Failed' ? 'the build job did not run in the pipeline' : " +
      "(status('build') == 'Errored' ? 'the build job could not be checked' : "
    : "(status('build') == 'Failed' ? 'the build failed' : " + "(status('build') == 'Errored' ? 'the build could not be followed to its end' : ") +
  // windows.ts: a window step past its timeout is Errored and nothing was dispatched.
  "(status('window') == 'Errored' ? 'the rebuild window did not open before the wait timed out' : 'a step of the Promotion failed')" +
  (buildsOn === "GitLab" ? "))))))" : "))))");

/** The lines every message shares: the base that moved, and the run when GitHub named one. */
function detailLines(): string {
  const from = `((outputs.moved?.from ?? "") != "" ? outputs.moved.from : "(not recorded)")`;
  const to = `((outputs.moved?.to ?? "") != "" ? outputs.moved.to : "(unknown)")`;
  const run = `((outputs.dispatch?.runUrl ?? "") != "" ? "\\nRun: " + outputs.dispatch.runUrl : "")`;
  return `"\\nBase moved: " + ${from} + " -> " + ${to} + ${run}`;
}

function headline(ctx: NotifyContext): string {
  return `${ctx.dryRun ? "[dry run] " : ""}image-factory ${ctx.options.stack}: ${ctx.image} `;
}

/** expr-lang: the message of the `dispatched` notification. */
export function dispatchedText(ctx: NotifyContext): string {
  return `${lit(`${headline(ctx)}rebuild dispatched`)} + ${detailLines()}`;
}

/** expr-lang: the message once the run is over (`event`: an expression of OUTCOME's value). */
export function outcomeText(ctx: NotifyContext, event: string): string {
  const again = `${lit(`\nPromote again once fixed: kargo promote --project ${ctx.project} --stage ${ctx.stage} --warehouse `)} + ctx.targetFreight.origin.name`;
  return (
    `${lit(headline(ctx))} + (${event} == 'built' ? ${lit("rebuilt")} : ${lit("rebuild FAILED: ")} + ${failureReason(ctx.buildsOn ?? "GitHub")}) + ` +
    `${detailLines()} + (${event} == 'built' ? "" : ${again})`
  );
}

/** One dispatch of the notify workflow, never failing the rebuild. */
function notifyStep(ctx: NotifyContext, alias: string, condition: string, text: string) {
  const { options, github } = ctx;
  return {
    uses: "http",
    as: alias,
    if: `\${{ ${condition} }}`,
    continueOnError: true,
    retry: { ...NOTIFY_RETRY },
    config: {
      method: "POST",
      url: `${github.apiUrl}/repos/${options.factoryRepo}/actions/workflows/${options.workflow}/dispatches`,
      headers: github.headers.map((h) => ({ ...h })),
      body: github.body(options.factoryBranch, { stack: lit(options.stack), text }),
      timeout: github.timeout,
      pollInterval: NOTIFY_POLL_INTERVAL,
      successExpression: "response.status == 204 || response.status == 200",
      failureExpression: github.failureExpression,
      errorExpression: github.errorExpression,
    },
  };
}

/** `dispatched`: right after the dispatch (and its record), before the run is followed. */
export function dispatchedStep(ctx: NotifyContext) {
  return notifyStep(ctx, "notify-dispatched", DISPATCHED, dispatchedText(ctx));
}

/** `built` and `failed`: the last step, after the run was followed (or the rebuild failed). */
export function outcomeStep(ctx: NotifyContext) {
  const wanted = ctx.options.events.filter((e) => e === "built" || e === "failed");
  const condition = `${OUTCOME} in [${wanted.map((e) => lit(e)).join(", ")}]`;
  return notifyStep(ctx, "notify", condition, outcomeText(ctx, OUTCOME));
}

/** Whether the Stage needs the outcome step at all. */
export function notifiesOutcome(options: NotifyOptions): boolean {
  return options.events.includes("built") || options.events.includes("failed");
}
