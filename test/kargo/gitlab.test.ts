// Rebuilds of GitLab sources as Kargo v1.11.2 would run them: the create-pipeline step, the
// seen record and the pipeline-following step of a rebuild Stage, with every expression
// evaluated by test/helpers/kargo-expr.ts for what GitLab answers (gitlab-org/gitlab
// lib/api/ci/pipelines.rb "Create a new pipeline": 201 with id, web_url, status; a pipeline
// that cannot be created is a 400 whose `message` is a map of field → messages, per
// lib/api/helpers.rb `render_validation_error!`), and the Warehouse, analysis Stage and
// credentials of a GitLab source.
//
// How a step's outcome follows from its expressions: akuity/kargo v1.11.2
// pkg/promotion/runner/builtin/http_requester.go `run` (failure first, then success, else
// Running and re-polled until retry.timeout).
import { describe, expect, it } from "vitest";
import { planKargo } from "../../src/kargo";
import { credentialsUsedBy } from "../../src/kargo/credentials-used";
import { GITLAB_VARIABLES, VARIABLES_REFUSED_HINT } from "../../src/kargo/gitlab";
import { DISPATCH_GUARD, RUN_POLL_INTERVAL, STEP_RETRY } from "../../src/kargo/objects";
import { gitCredentialsSecret, gitlabCredentialsSecret, gitlabGitCredentialsSecrets } from "../../src/kargo/secrets";
import { evaluateConfig, evaluateExpression, evaluateTemplate, promotionEnv, responseEnv, type Env, httpStepOutcome } from "../helpers/kargo-expr";
import { find, gitlabEstate, handEstate } from "./fixtures";

const PYTHON_WH = "base-python-3-12-slim";
const PYTHON = "docker.io/library/python:3.12-slim";
const TOKEN = "glpat-CANARY-t0ken-never-shown";

const estate = gitlabEstate();
const plan = planKargo(estate, { project: "image-factory", factoryRepo: "acme/image-factory" });
type Step = { uses: string; as: string; if?: string; retry?: unknown; config: Record<string, any> };
const stepsOf = (objects = plan.objects, name: string): Step[] => find(objects, "Stage", name).spec.promotionTemplate.spec.steps;
const [dispatch, seen, follow, build] = stepsOf(plan.objects, "rebuild-docs-site");

const freight = { [PYTHON_WH]: [{ RepoURL: "docker.io/library/python", Tag: "3.12-slim", Digest: "sha256:" + "7".repeat(64) }] };

function env(opts: { actor?: string; metadata?: Record<string, unknown> | null; outputs?: Record<string, unknown> } = {}): Env {
  return promotionEnv({
    stage: "rebuild-docs-site",
    collection: freight,
    target: PYTHON_WH,
    actor: opts.actor,
    stageMetadata: opts.metadata === undefined ? { [`seen-${PYTHON_WH}`]: "f0" } : opts.metadata,
    outputs: opts.outputs,
    secrets: { "gitlab-credentials": { password: TOKEN }, "github-credentials": { password: "gh-t0ken" } },
  });
}

/** Kargo's verdict on one response (the test helper follows http_requester.go `run`). */
const outcome = httpStepOutcome;

describe("the rebuild Stage of a GitLab image", () => {
  it("creates a pipeline, records the origin as seen, follows the pipeline and checks the image's job, guarded like a GitHub dispatch", () => {
    expect([dispatch, seen, follow, build].map((s) => `${s.uses}:${s.as}`)).toEqual(["http:dispatch", "set-metadata:seen", "http:pipeline", "http:build"]);
    expect(dispatch.if).toBe(DISPATCH_GUARD);
    expect(dispatch.retry).toEqual(STEP_RETRY);
    expect(follow.retry).toEqual(STEP_RETRY);
    expect(follow.config.pollInterval).toBe(RUN_POLL_INTERVAL);
    expect(build.retry).toEqual(STEP_RETRY);
    // First sight of an origin is a baseline; a person's promotion always builds.
    expect(evaluateTemplate(dispatch.if!, env({ metadata: null }))).toBe(false);
    expect(evaluateTemplate(dispatch.if!, env())).toBe(true);
    expect(evaluateTemplate(dispatch.if!, env({ metadata: null, actor: "alice@acme.example" }))).toBe(true);
  });

  it("POSTs to the project's pipeline endpoint (the URL-encoded full path) on the image's branch, with every variable of the contract", () => {
    const config = evaluateConfig(dispatch.config, env()) as { method: string; url: string; body: string; headers: Array<{ name: string; value: string }> };
    expect(config.method).toBe("POST");
    expect(config.url).toBe("https://gitlab.com/api/v4/projects/acme%2Fweb%2FDocs/pipeline");
    expect(typeof config.body).toBe("string");
    expect(JSON.parse(config.body)).toEqual({
      ref: "release/2",
      variables: [
        { key: "IMAGE_FACTORY_IMAGE", value: "docs-site" },
        { key: "IMAGE_FACTORY_VERSION_BUMP", value: "minor" },
        { key: "IMAGE_FACTORY_TRIGGERED_BY", value: "kargo-base-image-update" },
        { key: "IMAGE_FACTORY_BASE_IMAGE", value: PYTHON },
        { key: "IMAGE_FACTORY_BASE_DIGEST", value: freight[PYTHON_WH][0].Digest },
        { key: "IMAGE_FACTORY_DRY_RUN", value: "false" },
      ],
    });
    // The token only in a header (Kargo's http step errors name the URL), read from the generic Secret.
    expect(config.headers).toEqual([
      { name: "Authorization", value: `Bearer ${TOKEN}` },
      { name: "Content-Type", value: "application/json" },
    ]);
    expect(`${config.url}${config.body}`).not.toContain(TOKEN);
    expect(JSON.stringify(dispatch.config)).not.toContain(TOKEN);
    expect(dispatch.config.headers[0].value).toBe("Bearer ${{ secret('gitlab-credentials').password }}");
  });

  it("talks to a self-managed host (with its port) the same way", () => {
    const [step, , follow] = stepsOf(plan.objects, "rebuild-tools");
    expect(step.config.url).toBe("https://git.acme.example:8443/api/v4/projects/infra%2Ftools/pipeline");
    expect(evaluateConfig(follow.config, env({ outputs: { dispatch: { runId: "42" } } }))).toMatchObject({
      url: "https://git.acme.example:8443/api/v4/projects/infra%2Ftools/pipelines/42",
    });
    expect(JSON.parse(evaluateTemplate(step.config.body, env()) as string).ref).toBe("main");
  });

  it("succeeds on 201, naming the pipeline id in full (not in e-notation) and its page", () => {
    const created = responseEnv(201, { id: 1718000000, iid: 12, status: "created", web_url: "https://gitlab.com/acme/web/Docs/-/pipelines/1718000000" });
    expect(outcome(dispatch.config, created)).toBe("succeeded");
    const outputs = Object.fromEntries((dispatch.config.outputs as Array<{ name: string; fromExpression: string }>).map((o) => [o.name, evaluateExpression(o.fromExpression, created)]));
    expect(outputs).toEqual({ runId: "1718000000", runUrl: "https://gitlab.com/acme/web/Docs/-/pipelines/1718000000" });
    expect(evaluateExpression("string(response.body.id)", created)).toBe("1.718e+09");
  });

  it("fails at once when GitLab refuses the variables, naming the project setting to change", () => {
    // lib/gitlab/ci/pipeline/chain/build.rb adds the error to the pipeline; the API answers 400 with the model's errors.
    const refused = responseEnv(400, { message: { base: ["Insufficient permissions to set pipeline variables"] } });
    expect(outcome(dispatch.config, refused)).toBe("failed");
    expect(evaluateExpression(dispatch.config.errorExpression, refused)).toBe(`Insufficient permissions to set pipeline variables${VARIABLES_REFUSED_HINT}`);
    expect(VARIABLES_REFUSED_HINT).toContain("Minimum role to use pipeline variables");
    // Whatever the status and shape, a message about pipeline variables gets the hint; others do not.
    const asString = responseEnv(403, { message: "Insufficient permissions to set pipeline variables" });
    expect(outcome(dispatch.config, asString)).toBe("failed");
    expect(evaluateExpression(dispatch.config.errorExpression, asString)).toContain("Minimum role to use pipeline variables");
    expect(evaluateExpression(dispatch.config.errorExpression, responseEnv(403, { message: "403 Forbidden" }))).toBe("403 Forbidden");
  });

  it("fails at once on any other 4xx with GitLab's message (message or error), or the status", () => {
    for (const [status, body, message] of [
      [404, { message: "404 Project Not Found" }, "404 Project Not Found"],
      [401, { message: "401 Unauthorized" }, "401 Unauthorized"],
      [400, { message: { base: ["Reference not found"] } }, "Reference not found"],
      [400, { error: "variables[0][key] is missing" }, "variables[0][key] is missing"],
      [400, { message: { base: ["b"], ref: ["a"] } }, "a; b"],
      [422, undefined, "HTTP 422"],
      [400, "plain text", "HTTP 400"],
    ] as const) {
      const response = responseEnv(status, body);
      expect(outcome(dispatch.config, response), `${status} ${JSON.stringify(body)}`).toBe("failed");
      expect(evaluateExpression(dispatch.config.errorExpression, response)).toBe(message);
    }
  });

  it("keeps retrying 429 and 5xx (whatever their body) until the retry timeout", () => {
    expect(outcome(dispatch.config, responseEnv(429, "Retry later\n", { "Retry-After": "60" }))).toBe("running");
    expect(outcome(dispatch.config, responseEnv(429, { message: "This endpoint has been requested too many times. Try again later." }))).toBe("running");
    for (const status of [500, 502, 503, 504]) expect(outcome(dispatch.config, responseEnv(status, "<html>bad gateway</html>")), String(status)).toBe("running");
  });
});

describe("the pipeline, followed to its end", () => {
  const cfg = follow.config;
  const pipeline = (status: string) => responseEnv(200, { id: 1718000000, status, web_url: "https://gitlab.com/acme/web/Docs/-/pipelines/1718000000" });

  it("follows only a pipeline GitLab named: not after a skipped or failed dispatch", () => {
    expect(evaluateTemplate(follow.if!, env({ outputs: { dispatch: { runId: "1718000000", runUrl: "u" } } }))).toBe(true);
    expect(evaluateTemplate(follow.if!, env({ outputs: {} }))).toBe(false);
    const config = evaluateConfig(cfg, env({ outputs: { dispatch: { runId: "1718000000" } } })) as { method: string; url: string; headers: unknown };
    expect(config).toMatchObject({ method: "GET", url: "https://gitlab.com/api/v4/projects/acme%2Fweb%2FDocs/pipelines/1718000000", headers: [{ name: "Authorization", value: `Bearer ${TOKEN}` }] });
    // A restarted Promotion keeps its outputs: no second pipeline, the known one is followed.
    expect(evaluateTemplate(dispatch.if!, env({ outputs: { dispatch: { runId: "1718000000" } } }))).toBe(false);
  });

  it("waits while the pipeline is being created, queued, running, or waiting for a manual or scheduled job; and through 429 and 5xx", () => {
    for (const status of ["created", "waiting_for_resource", "preparing", "pending", "running", "manual", "scheduled"]) {
      expect(outcome(cfg, pipeline(status)), status).toBe("running");
    }
    expect(outcome(cfg, responseEnv(502))).toBe("running");
    expect(outcome(cfg, responseEnv(429, "Retry later\n"))).toBe("running");
  });

  it("succeeds when the pipeline succeeded; a pipeline whose jobs were all skipped ran no build and fails, saying why", () => {
    expect(outcome(cfg, pipeline("success"))).toBe("succeeded");
    expect(outcome(cfg, pipeline("skipped"))).toBe("failed");
    expect(evaluateExpression(cfg.errorExpression, pipeline("skipped"))).toBe(
      "the pipeline ended skipped: https://gitlab.com/acme/web/Docs/-/pipelines/1718000000 (no job ran, so neither did image-factory:docs-site: does the project's .gitlab-ci.yml include the suggested file?)",
    );
  });

  it("fails the Promotion when the pipeline failed or was canceled, naming its page; and when the pipeline is gone", () => {
    for (const status of ["failed", "canceled"]) {
      const response = pipeline(status);
      expect(outcome(cfg, response), status).toBe("failed");
      expect(evaluateExpression(cfg.errorExpression, response)).toBe(`the pipeline ended ${status}: https://gitlab.com/acme/web/Docs/-/pipelines/1718000000`);
    }
    const gone = responseEnv(404, { message: "404 Not found" });
    expect(outcome(cfg, gone)).toBe("failed");
    expect(evaluateExpression(cfg.errorExpression, gone)).toBe("404 Not found");
  });
});

describe("the image's own job, checked once the pipeline succeeded", () => {
  const cfg = build.config;
  const pipelineUrl = "https://gitlab.com/acme/web/Docs/-/pipelines/1718000000";
  // lib/api/ci/pipelines.rb "Get pipeline jobs" presents Entities::Ci::Job: name, status, pipeline.web_url.
  const job = (name: string, status = "success") => ({ id: 7, name, status, stage: "test", pipeline: { id: 1718000000, web_url: pipelineUrl } });
  const jobs = (...list: unknown[]) => responseEnv(200, list);

  it("runs only after the pipeline step succeeded, and asks for one page of the pipeline's successful jobs", () => {
    const after = (pipeline: string) => promotionEnv({ stage: "rebuild-docs-site", collection: freight, target: PYTHON_WH, stepStatus: { pipeline } });
    expect(evaluateTemplate(build.if!, after("Succeeded"))).toBe(true);
    for (const status of ["Failed", "Errored", "Skipped", "Running"]) expect(evaluateTemplate(build.if!, after(status)), status).toBe(false);
    const config = evaluateConfig(cfg, env({ outputs: { dispatch: { runId: "1718000000" } } })) as Record<string, unknown>;
    expect(config).toMatchObject({
      method: "GET",
      url: "https://gitlab.com/api/v4/projects/acme%2Fweb%2FDocs/pipelines/1718000000/jobs",
      headers: [{ name: "Authorization", value: `Bearer ${TOKEN}` }],
      // Kargo adds queryParams with url.Values (http_requester.go `buildRequest`): scope%5B%5D=success&per_page=100.
      queryParams: [
        { name: "scope[]", value: "success" },
        { name: "per_page", value: "100" },
      ],
    });
  });

  it("succeeds only when a successful job has exactly the suggested job's name", () => {
    expect(outcome(cfg, jobs(job("lint"), job("image-factory:docs-site")))).toBe("succeeded");
    // Another image's job, a name that only contains it, or the job in another state is not it.
    for (const list of [[job("lint")], [], [job("image-factory:docs-site-2")], [job("x image-factory:docs-site")], [job("image-factory:docs-site", "skipped")]]) {
      expect(outcome(cfg, jobs(...list)), JSON.stringify(list)).toBe("failed");
    }
  });

  it("says the image's job did not run, with the pipeline's page and the likely cause", () => {
    const message = evaluateExpression(cfg.errorExpression, jobs(job("lint")));
    expect(message).toBe(
      `the image's job image-factory:docs-site did not run in the pipeline ${pipelineUrl} although the pipeline succeeded: ` +
        "the project's .gitlab-ci.yml probably does not include .gitlab-ci.image-factory.yml, or includes a copy older than this image (commit the file render writes)",
    );
    // No successful job at all: the project's pipelines page stands in for the pipeline's.
    expect(evaluateExpression(cfg.errorExpression, jobs())).toContain("did not run in the pipeline https://gitlab.com/acme/web/Docs/-/pipelines although");
  });

  it("retries 429 and 5xx, and fails at once on any other 4xx with GitLab's message", () => {
    expect(outcome(cfg, responseEnv(502))).toBe("running");
    expect(outcome(cfg, responseEnv(429, "Retry later\n"))).toBe("running");
    const forbidden = responseEnv(403, { message: "403 Forbidden" });
    expect(outcome(cfg, forbidden)).toBe("failed");
    expect(evaluateExpression(cfg.errorExpression, forbidden)).toBe("403 Forbidden");
  });
});

describe("build roles", () => {
  it("a canary creates pipelines too, sending the dry-run variable", () => {
    const canary = planKargo(estate, { project: "p", factoryRepo: "acme/image-factory", buildRole: "canary" });
    const [step] = stepsOf(canary.objects, "rebuild-docs-site");
    const body = JSON.parse(evaluateTemplate(step.config.body, env()) as string);
    expect(body.variables.find((v: { key: string }) => v.key === GITLAB_VARIABLES.dry_run).value).toBe("true");
    expect(canary.gitlabPipelines).toBe(true);
    expect(canary.gitlabRepos).toEqual({});
    // Nothing of a GitLab image is dispatched on GitHub.
    expect(canary.dispatches.map((d) => d.stage)).not.toContain("rebuild-docs-site");
  });
});

describe("the source Warehouse, analysis Stage and credentials of a GitLab project", () => {
  it("polls the project's HTTPS clone URL on its host", () => {
    const warehouse = find(plan.objects, "Warehouse", "source-gitlab-com-acme-web-docs-release-2");
    expect(warehouse.spec.subscriptions[0].git).toMatchObject({ repoURL: "https://gitlab.com/acme/web/Docs.git", branch: "release/2", includePaths: ["site"] });
    const selfManaged = find(plan.objects, "Warehouse", "source-git-acme-example-8443-infra-tools-main");
    expect(selfManaged.spec.subscriptions[0].git.repoURL).toBe("https://git.acme.example:8443/infra/tools.git");
  });

  it("dispatches the factory's analyze workflow on GitHub, naming the project as <host>/<path> and the commit", () => {
    const [step] = stepsOf(plan.objects, "analyze-gitlab-com-acme-web-docs-release-2");
    expect(step.config.url).toBe("https://api.github.com/repos/acme/image-factory/actions/workflows/analyze.yml/dispatches");
    const commits = { "source-gitlab-com-acme-web-docs-release-2": [{ RepoURL: "https://gitlab.com/acme/web/Docs.git", ID: "abc123" }] };
    const body = JSON.parse(
      evaluateTemplate(step.config.body, promotionEnv({ stage: "analyze-gitlab-com-acme-web-docs-release-2", collection: {}, commits, target: "source-gitlab-com-acme-web-docs-release-2" })) as string,
    );
    expect(body).toEqual({ ref: "main", inputs: { repo: "gitlab.com/acme/web/Docs", commit: "abc123" } });
  });

  it("gives the Warehouses a git credential per GitLab host matching exactly its projects, and keeps GitHub's credential to GitHub", () => {
    expect(plan.gitlabRepos).toEqual({ "git.acme.example:8443": ["infra/tools"], "gitlab.com": ["acme/web/Docs"] });
    expect(plan.gitRepos).toEqual(planKargo(handEstate(), { project: "image-factory", factoryRepo: "acme/image-factory" }).gitRepos);
    const shapes = [gitCredentialsSecret("image-factory", plan.gitRepos)!, gitlabCredentialsSecret("image-factory"), ...gitlabGitCredentialsSecrets("image-factory", plan.gitlabRepos)];
    expect(shapes.map((s) => s.name)).toEqual(["git-credentials", "gitlab-credentials", "git-credentials-gitlab-git-acme-example-8443", "git-credentials-gitlab-gitlab-com"]);
    const gitlabCom = shapes[3];
    expect(gitlabCom.labels).toEqual({ "kargo.akuity.io/cred-type": "git" });
    expect(gitlabCom.plain.username).toBe("oauth2");
    const pattern = new RegExp(gitlabCom.plain.repoURL);
    for (const url of ["https://gitlab.com/acme/web/Docs.git", "https://gitlab.com/acme/web/docs", "https://gitlab.com/acme/web/Docs"]) expect(pattern.test(url), url).toBe(true);
    for (const url of ["https://gitlab.com/acme/web/Docs2.git", "https://gitlabXcom/acme/web/Docs.git", "https://github.com/acme/web/Docs.git"]) expect(pattern.test(url), url).toBe(false);
    // Each object waits for exactly the Secrets it uses.
    expect(credentialsUsedBy(find(plan.objects, "Warehouse", "source-gitlab-com-acme-web-docs-release-2"), shapes)).toEqual(["git-credentials-gitlab-gitlab-com"]);
    expect(credentialsUsedBy(find(plan.objects, "Warehouse", "source-git-acme-example-8443-infra-tools-main"), shapes)).toEqual(["git-credentials-gitlab-git-acme-example-8443"]);
    expect(credentialsUsedBy(find(plan.objects, "Stage", "rebuild-docs-site"), shapes)).toEqual(["gitlab-credentials"]);
    expect(credentialsUsedBy(find(plan.objects, "Stage", "rebuild-uv"), shapes)).toEqual([]);
  });

  it("leaves a GitHub-only estate without any GitLab object or credential", () => {
    const github = planKargo(handEstate(), { project: "image-factory", factoryRepo: "acme/image-factory" });
    expect(github.gitlabPipelines).toBe(false);
    expect(github.gitlabRepos).toEqual({});
    expect(JSON.stringify(github.objects)).not.toContain("gitlab");
  });
});

describe("a GitLab rebuild with notifications", () => {
  const notifying = planKargo(estate, {
    project: "image-factory",
    factoryRepo: "acme/image-factory",
    notifications: { stack: "prod", events: ["dispatched", "built", "failed"], factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" },
  });
  const steps = stepsOf(notifying.objects, "rebuild-docs-site");
  const pipelineUrl = "https://gitlab.com/acme/web/Docs/-/pipelines/1718000000";
  const notifyEnv = (stepStatus: Record<string, string>, outputs: Record<string, unknown>) =>
    promotionEnv({
      stage: "rebuild-docs-site",
      collection: freight,
      target: PYTHON_WH,
      stepStatus,
      outputs,
      stageMetadata: null,
      secrets: { "github-credentials": { password: "gh-t0ken" }, "gitlab-credentials": { password: TOKEN } },
    });
  const text = (alias: string, e: Env) => {
    const s = steps.find((x) => x.as === alias)!;
    if (evaluateTemplate(s.if!, e) !== true) return undefined;
    return JSON.parse((evaluateConfig(s.config, e) as { body: string }).body).inputs.text as string;
  };
  const moved = { from: "docker.io/library/python:3.12-slim@sha256:" + "1".repeat(64), to: "docker.io/library/python:3.12-slim@" + freight[PYTHON_WH][0].Digest };

  it("wraps the pipeline steps with the notification steps, in the order a GitHub rebuild has them", () => {
    expect(steps.map((s) => s.as)).toEqual(["moved", "dispatch", "seen", "notify-dispatched", "pipeline", "build", "notify"]);
    expect(steps.find((s) => s.as === "dispatch")!.config.url).toBe("https://gitlab.com/api/v4/projects/acme%2Fweb%2FDocs/pipeline");
  });

  it("links the pipeline's page, and says GitLab refused when it did", () => {
    const built = notifyEnv({ moved: "Succeeded", dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Succeeded", pipeline: "Succeeded", build: "Succeeded" }, { moved, dispatch: { runId: "1718000000", runUrl: pipelineUrl } });
    expect(text("notify", built)).toContain(`rebuilt\nBase moved: `);
    expect(text("notify", built)).toContain(`\nRun: ${pipelineUrl}`);
    const refused = notifyEnv({ dispatch: "Failed", seen: "Succeeded", build: "Skipped" }, { moved });
    expect(text("notify", refused)).toContain("rebuild FAILED: GitLab refused the dispatch");
    // A pipeline that succeeded without the image's job is no build: "failed", not "built".
    const noJob = notifyEnv({ moved: "Succeeded", dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Succeeded", pipeline: "Succeeded", build: "Failed" }, { moved, dispatch: { runId: "1718000000", runUrl: pipelineUrl } });
    expect(text("notify", noJob)).toContain("rebuild FAILED: the build job did not run in the pipeline\n");
    expect(text("notify", noJob)).not.toContain("rebuilt");
    const failed = notifyEnv({ moved: "Succeeded", dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Succeeded", pipeline: "Failed", build: "Skipped" }, { moved, dispatch: { runId: "1718000000", runUrl: pipelineUrl } });
    expect(text("notify", failed)).toContain("rebuild FAILED: the build failed\n");
    const lost = notifyEnv({ moved: "Succeeded", dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Succeeded", pipeline: "Errored", build: "Skipped" }, { moved, dispatch: { runId: "1718000000", runUrl: pipelineUrl } });
    expect(text("notify", lost)).toContain("rebuild FAILED: the build could not be followed to its end\n");
    // The GitLab token never reaches a notification.
    expect(JSON.stringify(evaluateConfig(steps.find((s) => s.as === "notify")!.config, built))).not.toContain(TOKEN);
  });
});

describe("a GitLab rebuild with a rebuild window", () => {
  it("waits for the window before creating the pipeline, as a GitHub rebuild waits before its dispatch", () => {
    const windowed = gitlabEstate();
    windowed.images = windowed.images.map((n) => ({ ...n, spec: { ...n.spec, rebuildWindow: { days: ["sat" as const], from: "01:00", to: "05:00", timeZone: "Europe/London" } } }));
    const objects = planKargo(windowed, { project: "image-factory", factoryRepo: "acme/image-factory" }).objects;
    const steps = stepsOf(objects, "rebuild-docs-site");
    const github = stepsOf(objects, "rebuild-uv");
    expect(steps.map((s) => s.as)).toEqual(["window", "dispatch", "seen", "pipeline", "build"]);
    expect(steps[1].config.url).toBe("https://gitlab.com/api/v4/projects/acme%2Fweb%2FDocs/pipeline");
    // The same window step and the same windowed guard as the GitHub image's.
    expect(steps[0]).toEqual(github[0]);
    expect(steps[1].if).toBe(github[1].if);
    expect(steps[1].if).not.toBe(DISPATCH_GUARD);
  });
});
