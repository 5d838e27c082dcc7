/**
 * Rebuilds of images whose source is a GitLab project: the rebuild Stage creates a pipeline on
 * the image's branch through GitLab's pipeline API and follows it to its end, as it dispatches
 * and follows a GitHub workflow run.
 *
 * GitLab facts relied on (gitlab-org/gitlab):
 * - POST /api/v4/projects/:id/pipeline, `:id` the URL-encoded full path, JSON body
 *   `{ref, variables: [{key, value}]}`; 201 with the pipeline (`id`, `web_url`, `status`)
 *   (lib/api/ci/pipelines.rb, "Create a new pipeline").
 * - A pipeline that cannot be created is a 400 whose `message` is the model's errors, a map
 *   such as `{"base": ["Insufficient permissions to set pipeline variables"]}`
 *   (lib/api/helpers.rb `render_validation_error!`); unknown projects 404 and bad tokens 401
 *   with a string `message`; Grape's parameter errors answer `{"error": "..."}`.
 * - Pipeline variables are refused ("Insufficient permissions to set pipeline variables",
 *   lib/gitlab/ci/pipeline/chain/build.rb) when the token's role is below the project's
 *   "Minimum role to use pipeline variables" (`ci_pipeline_variables_minimum_override_role`),
 *   which is `no_one_allowed` for new projects in new namespaces on GitLab.com since 17.7
 *   (doc/ci/variables/_index.md, "Restrict pipeline variables"). README says what to change.
 * - GET /api/v4/projects/:id/pipelines/:pipeline_id answers the pipeline and its `status`:
 *   created, waiting_for_resource, preparing, pending, running, success, failed, canceled,
 *   skipped, manual or scheduled (doc/api/pipelines.md).
 * - GET /api/v4/projects/:id/pipelines/:pipeline_id/jobs lists the pipeline's jobs (not its
 *   bridges), each with `name`, `status` and `pipeline.web_url`; `scope[]` filters by status,
 *   retried attempts are left out unless `include_retried`, and it pages (`per_page` at most
 *   100) (lib/api/ci/pipelines.rb "Get pipeline jobs", Ci::JobsFinder; doc/api/jobs.md).
 *   A job whose `rules` do not match is never created, so a pipeline can succeed without it.
 * - Rate limits answer 429 (with Retry-After when GitLab knows how long).
 */
import type { ImageSpec } from "../config/schema";
import { gitlabApiUrl, gitlabProjectId } from "../config/source";

/** Where the suggested jobs go in a project (src/gitlab/pipeline.ts GITLAB_JOB_FILE). */
export const GITLAB_JOB_FILE_NAME = ".gitlab-ci.image-factory.yml";

/** The generic Secret the GitLab steps read (`secret('gitlab-credentials').password`). */
export const GITLAB_CREDENTIALS_SECRET = "gitlab-credentials";

/** The pipeline variables a rebuild sets: the GitHub dispatch inputs under GitLab's naming. */
export const GITLAB_VARIABLES = {
  image: "IMAGE_FACTORY_IMAGE",
  version_bump: "IMAGE_FACTORY_VERSION_BUMP",
  triggered_by: "IMAGE_FACTORY_TRIGGERED_BY",
  base_image: "IMAGE_FACTORY_BASE_IMAGE",
  base_digest: "IMAGE_FACTORY_BASE_DIGEST",
  dry_run: "IMAGE_FACTORY_DRY_RUN",
} as const;

/** Pipeline statuses that will not change any more, and the one of those the image's job can have run in. */
export const GITLAB_DONE_STATUSES = ["success", "skipped", "failed", "canceled"] as const;
/**
 * Only `success`: a pipeline whose jobs were all skipped did not run the image's job, so
 * nothing was built or scanned; the `build` step then checks that the job itself succeeded.
 */
export const GITLAB_GOOD_STATUSES = ["success"] as const;

/** The suggested job of an image (src/gitlab/pipeline.ts), as the jobs API names it. */
export function gitlabJobName(image: Pick<ImageSpec, "name">): string {
  return `image-factory:${image.name}`;
}

/** Where a project's pipelines are listed: the step messages name it when GitLab gave no pipeline page. */
export function gitlabPipelinesPage(image: ImageSpec): string {
  return `https://${image.source.host!}/${image.source.repo}/-/pipelines`;
}

/** What the user must change when GitLab refuses the variables. */
export const VARIABLES_REFUSED_HINT =
  " (the token's role may not set pipeline variables: in the project's Settings > CI/CD > Variables set \"Minimum role to use pipeline variables\" to the token's role, e.g. Developer)";

function lit(text: string): string {
  return JSON.stringify(text);
}

/** A 429 or 5xx: GitLab will answer differently later. Any other 4xx is final. */
export const GITLAB_FINAL_CLIENT_ERROR = "(response.status >= 400 && response.status < 500 && response.status != 429)";

/**
 * GitLab's message: `message` (a string, or a map of field to messages) or `error`; the status
 * when the body has neither (or is not JSON). The refused-variables case gets the hint.
 */
export const GITLAB_MESSAGE =
  'let b = response.body; let m = type(b) == "map" ? (b.message ?? b.error ?? "") : ""; ' +
  'let t = type(m) == "string" ? m : (type(m) == "map" ? join(sort(flatten(values(m))), "; ") : ""); ' +
  `(t == "" ? "HTTP " + string(response.status) : t) + (t contains "pipeline variables" ? ${lit(VARIABLES_REFUSED_HINT)} : "")`;

const CONTENT_TYPE = { name: "Content-Type", value: "application/json" };
/** Bearer works for personal, project and group access tokens and OAuth tokens alike; never in the URL. */
const AUTHORIZATION = { name: "Authorization", value: `Bearer \${{ secret('${GITLAB_CREDENTIALS_SECRET}').password }}` };

export interface GitlabStepSettings {
  retry: { timeout: string; errorThreshold: number };
  requestTimeout: string;
  dispatchPollInterval: string;
  runPollInterval: string;
  guard: string;
}

/** `https://<host>/api/v4/projects/<encoded path>`. */
export function gitlabProjectUrl(image: ImageSpec): string {
  return `${gitlabApiUrl(image.source.host!)}/projects/${gitlabProjectId(image.source.repo)}`;
}

/**
 * The create-pipeline body: the branch, and one variable per dispatch input (values are
 * expr-lang expressions of strings). `${% quote() %}` keeps the body a string.
 */
export function gitlabPipelineBody(ref: string, values: Record<string, string>): string {
  const variables = Object.entries(GITLAB_VARIABLES).map(([input, key]) => `{"key": ${lit(key)}, "value": ${values[input]}}`);
  return `\${% quote({"ref": ${lit(ref)}, "variables": [${variables.join(", ")}]}) %}`;
}

/** The create-pipeline step; its outputs name the pipeline as a GitHub dispatch names its run. */
export function gitlabDispatchStep(image: ImageSpec, values: Record<string, string>, settings: GitlabStepSettings) {
  return {
    uses: "http",
    as: "dispatch",
    if: settings.guard,
    retry: { ...settings.retry },
    config: {
      method: "POST",
      url: `${gitlabProjectUrl(image)}/pipeline`,
      headers: [AUTHORIZATION, CONTENT_TYPE].map((h) => ({ ...h })),
      body: gitlabPipelineBody(image.source.branch, values),
      timeout: settings.requestTimeout,
      pollInterval: settings.dispatchPollInterval,
      successExpression: "response.status == 201",
      failureExpression: GITLAB_FINAL_CLIENT_ERROR,
      errorExpression: GITLAB_MESSAGE,
      outputs: [
        // The id is a JSON number (a Go float64): int() first, or string() would print 1.7e+09.
        { name: "runId", fromExpression: 'response.status == 201 && response.body?.id != nil ? string(int(response.body.id)) : ""' },
        { name: "runUrl", fromExpression: 'response.status == 201 ? (response.body?.web_url ?? "") : ""' },
      ],
    },
  };
}

/**
 * Follows the pipeline until it is done: success succeeds; failed, canceled or skipped (no job
 * ran) fails the Promotion with the pipeline's page. created, waiting_for_resource, preparing,
 * pending and running keep polling, and so do manual (a blocking manual job waits for a
 * person) and scheduled (a delayed job waits for its time): both move on by themselves or by
 * someone's hand, and the step's retry timeout bounds the wait.
 */
export function gitlabFollowStep(image: ImageSpec, settings: GitlabStepSettings) {
  const done = `response.status == 200 && response.body?.status in ${JSON.stringify(GITLAB_DONE_STATUSES)}`;
  const good = `response.body?.status in ${JSON.stringify(GITLAB_GOOD_STATUSES)}`;
  return {
    uses: "http",
    as: "pipeline",
    if: '${{ (outputs.dispatch?.runId ?? "") != "" }}',
    retry: { ...settings.retry },
    config: {
      method: "GET",
      url: `${gitlabProjectUrl(image)}/pipelines/\${{ outputs.dispatch.runId }}`,
      headers: [{ ...AUTHORIZATION }],
      timeout: settings.requestTimeout,
      pollInterval: settings.runPollInterval,
      successExpression: `${done} && ${good}`,
      failureExpression: `${GITLAB_FINAL_CLIENT_ERROR} || (${done} && !(${good}))`,
      errorExpression:
        `response.status == 200 ? ("the pipeline ended " + string(response.body?.status ?? "without a status") + ": " + string(response.body?.web_url ?? "") + ` +
        `(response.body?.status == "skipped" ? ${lit(` (no job ran, so neither did ${gitlabJobName(image)}: does the project's .gitlab-ci.yml include the suggested file?)`)} : "")) : (${GITLAB_MESSAGE})`,
    },
  };
}

/**
 * The image's own job, once its pipeline succeeded: a pipeline also succeeds when the job was
 * never created (the project does not include the suggested file, or an older copy without
 * this image), and then nothing was built or scanned. So the rebuild counts as built only when
 * the pipeline's successful jobs include one named exactly as the suggested job names it. This
 * step is the `build` the notifications read: built means this job succeeded.
 *
 * The job list is data: the name is an expr-lang literal compared with each job's `name`.
 * One page of at most 100 successful jobs is read; a pipeline with more than that could leave
 * the job on a later page, and then this fails with the same message.
 */
export function gitlabJobCheckStep(image: ImageSpec, settings: GitlabStepSettings) {
  const name = gitlabJobName(image);
  const jobs = 'response.status == 200 && type(response.body) == "array"';
  const found = `find(response.body, {type(#) == "map" && #.name == ${lit(name)} && #.status == "success"}) != nil`;
  const pipelineUrl = `string(find(response.body, {type(#) == "map"})?.pipeline?.web_url ?? ${lit(gitlabPipelinesPage(image))})`;
  return {
    uses: "http",
    as: "build",
    if: "${{ status('pipeline') == 'Succeeded' }}",
    retry: { ...settings.retry },
    config: {
      method: "GET",
      url: `${gitlabProjectUrl(image)}/pipelines/\${{ outputs.dispatch.runId }}/jobs`,
      headers: [{ ...AUTHORIZATION }],
      queryParams: [
        { name: "scope[]", value: "success" },
        { name: "per_page", value: "100" },
      ],
      timeout: settings.requestTimeout,
      pollInterval: settings.runPollInterval,
      successExpression: `${jobs} && ${found}`,
      // The pipeline is over: an answer without the job will not change.
      failureExpression: `${GITLAB_FINAL_CLIENT_ERROR} || (${jobs} && !(${found}))`,
      errorExpression:
        `${jobs} ? (${lit(`the image's job ${name} did not run in the pipeline `)} + ${pipelineUrl} + ` +
        `${lit(` although the pipeline succeeded: the project's .gitlab-ci.yml probably does not include ${GITLAB_JOB_FILE_NAME}, or includes a copy older than this image (commit the file render writes)`)}) : (${GITLAB_MESSAGE})`,
    },
  };
}
