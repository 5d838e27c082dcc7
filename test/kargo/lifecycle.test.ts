// The rebuild lifecycle as Kargo v1.11.2 would run it: every expression of a rebuild Stage
// (the dispatch guard, the dispatch body and outputs, the success, failure and error
// expressions of the dispatch and of the run-following step, and the seen record) evaluated
// for the cases that decide what a user sees.
//
// The evaluator (test/helpers/kargo-expr.ts) covers the expr-lang subset these expressions use:
// literals, maps, arrays, member and optional member access, indexing, calls (including a
// member holding a function, as `response.header(…)`), `!`, `+`, comparisons, `in`, `&&`, `||`,
// `??`, `?:`; Kargo's template rules; and Go's int/float64 distinction where string() prints
// them. It is not expr-lang: anything outside that subset is a syntax error in the test.
//
// How a step's outcome follows from its expressions is akuity/kargo v1.11.2
// pkg/promotion/runner/builtin/http_requester.go `run`: failure is checked first, then success;
// neither met leaves the step Running, re-polled after pollInterval until retry.timeout.
import { describe, expect, it } from "vitest";
import { planKargo } from "../../src/kargo";
import { RATE_LIMITED } from "../../src/kargo/objects";
import { evaluateConfig, evaluateExpression, evaluateTemplate, goString, promotionEnv, responseEnv, type Env, httpStepOutcome } from "../helpers/kargo-expr";
import { find, handEstate } from "./fixtures";

const estate = handEstate();
const { objects } = planKargo(estate, { project: "image-factory", factoryRepo: "acme/image-factory" });
type Step = { uses: string; as: string; if?: string; config: Record<string, any> };
const stepsOf = (name: string): Step[] => find(objects, "Stage", name).spec.promotionTemplate.spec.steps;

const UV_STAGE = "rebuild-uv";
const PYTHON_WH = "base-python-3-12-slim";
const UV_WH = "base-ghcr-io-astral-sh-uv-0-5";
const [dispatch, seen, build] = stepsOf(UV_STAGE);

const freight = {
  [PYTHON_WH]: [{ RepoURL: "docker.io/library/python", Tag: "3.12-slim", Digest: "sha256:" + "2".repeat(64) }],
  [UV_WH]: [{ RepoURL: "ghcr.io/astral-sh/uv", Tag: "0.5", Digest: "sha256:" + "4".repeat(64) }],
};

function env(
  opts: { target?: string; actor?: string; metadata?: Record<string, unknown> | null; outputs?: Record<string, unknown>; stepStatus?: Record<string, string> } = {},
): Env {
  return promotionEnv({
    stepStatus: opts.stepStatus,
    stage: UV_STAGE,
    collection: freight,
    target: opts.target ?? PYTHON_WH,
    actor: opts.actor,
    stageMetadata: opts.metadata === undefined ? null : opts.metadata,
    outputs: opts.outputs,
    secrets: { "github-credentials": { password: "t0ken" } },
  });
}

/** What http_requester.go `run` makes of a response. */
/** Kargo's verdict on one response (the test helper follows http_requester.go `run`). */
const outcome = httpStepOutcome;

describe("first sight is a baseline, not a rebuild", () => {
  const dispatches = (e: Env) => evaluateTemplate(dispatch.if!, e);

  it("skips the dispatch on an origin's first auto-promotion (install, enrollment, rename, autoRebuild switched on)", () => {
    // A Stage with no metadata at all: stageMetadata() returns nil.
    expect(dispatches(env({ metadata: null }))).toBe(false);
    // Another origin seen before does not make this one seen.
    expect(dispatches(env({ metadata: { [`seen-${UV_WH}`]: "f0" } }))).toBe(false);
    // An origin the Stage does not request has no record either: nothing is dispatched for it.
    expect(dispatches(env({ target: "base-somewhere-else", metadata: { [`seen-${PYTHON_WH}`]: "f0" } }))).toBe(false);
  });

  it("dispatches every later auto-promotion of a seen origin", () => {
    expect(dispatches(env({ metadata: { [`seen-${PYTHON_WH}`]: "f0" } }))).toBe(true);
  });

  it("always dispatches a promotion a person made, first sight or not", () => {
    // `kargo promote` and the UI record their user (email:…, or the Kubernetes user name).
    expect(dispatches(env({ actor: "alice@acme.example", metadata: null }))).toBe(true);
    expect(dispatches(env({ actor: "system:admin", metadata: { [`seen-${PYTHON_WH}`]: "f0" } }))).toBe(true);
  });

  it("never sends a dispatch twice: a Promotion the controller restarts keeps its outputs, and follows the run it knows", () => {
    // pkg/controller/promotions/promotions.go `promote`: a new work dir resets the steps, not their outputs.
    const restarted = { outputs: { dispatch: { runId: "17180000000", runUrl: "u" } } };
    expect(dispatches(env({ ...restarted, metadata: { [`seen-${PYTHON_WH}`]: "f0" } }))).toBe(false);
    expect(dispatches(env({ ...restarted, actor: "alice@acme.example" }))).toBe(false);
    expect(evaluateTemplate(build.if!, env(restarted))).toBe(true);
    // A 204 named no run: a restart sends that dispatch again (the run's concurrency group collapses the two).
    expect(dispatches(env({ outputs: { dispatch: { runId: "", runUrl: "" } }, metadata: { [`seen-${PYTHON_WH}`]: "f0" } }))).toBe(true);
  });

  it("records the origin as seen after a built, skipped or failed dispatch, not after an errored one", () => {
    const runs = (status: string) => evaluateTemplate(seen.if!, env({ stepStatus: { dispatch: status } }));
    expect(["Succeeded", "Skipped", "Failed"].map(runs)).toEqual([true, true, true]);
    // Errored: its guard could not be evaluated (e.g. the API server did not answer), so nothing is known.
    expect(runs("Errored")).toBe(false);
  });

  it("records the promoted origin as seen, and keeps the other origins' records", () => {
    const values = (e: Env) => (evaluateConfig(seen.config, e) as any).updates[0];
    expect(values(env({ metadata: null }))).toEqual({
      kind: "Stage",
      name: UV_STAGE,
      values: { "seen-base-gcr-io-distroless-python3-debian12-nonroot": "", [`seen-${UV_WH}`]: "", [`seen-${PYTHON_WH}`]: "freight-1" },
    });
    expect(values(env({ metadata: { [`seen-${UV_WH}`]: "f-uv" } })).values).toEqual({
      "seen-base-gcr-io-distroless-python3-debian12-nonroot": "",
      [`seen-${UV_WH}`]: "f-uv",
      [`seen-${PYTHON_WH}`]: "freight-1",
    });
    // A record of "" is no record: the guard reads it as unseen.
    expect(evaluateTemplate(dispatch.if!, env({ metadata: { [`seen-${PYTHON_WH}`]: "" } }))).toBe(false);
  });
});

describe("the dispatch: what GitHub answers, and what Kargo does with it", () => {
  const cfg = dispatch.config;

  it("succeeds on 200 with the run's id (written in full) and page, and on a plain 204", () => {
    const body = { workflow_run_id: 17180000000, run_url: "https://api.github.com/repos/acme/platform/actions/runs/17180000000", html_url: "https://github.com/acme/platform/actions/runs/17180000000" };
    const ok = responseEnv(200, body);
    expect(outcome(cfg, ok)).toBe("succeeded");
    const outputs = Object.fromEntries((cfg.outputs as Array<{ name: string; fromExpression: string }>).map((o) => [o.name, evaluateExpression(o.fromExpression, ok)]));
    expect(outputs).toEqual({ runId: "17180000000", runUrl: body.html_url });
    // Why int() first: the id is a JSON number, a Go float64, which string() prints in e-notation.
    expect(evaluateExpression("string(response.body.workflow_run_id)", ok)).toBe("1.718e+10");
    expect(goString(204n)).toBe("204");
    // A server that ignores return_run_details answers 204: success, and nothing to follow.
    const plain = responseEnv(204);
    expect(outcome(cfg, plain)).toBe("succeeded");
    expect((cfg.outputs as Array<{ fromExpression: string }>).map((o) => evaluateExpression(o.fromExpression, plain))).toEqual(["", ""]);
  });

  it("keeps retrying rate limits, 429 and 5xx until the retry timeout; fails at once on any other 4xx with GitHub's message", () => {
    expect(outcome(cfg, responseEnv(403, { message: "You have exceeded a secondary rate limit" }, { "Retry-After": "60" }))).toBe("running");
    expect(outcome(cfg, responseEnv(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" }))).toBe("running");
    // Some secondary limits send neither header; the message still says so.
    expect(outcome(cfg, responseEnv(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }))).toBe("running");
    expect(outcome(cfg, responseEnv(429, { message: "slow down" }))).toBe("running");
    for (const status of [500, 502, 503]) expect(outcome(cfg, responseEnv(status)), String(status)).toBe("running");
    for (const [status, message] of [
      [401, "Bad credentials"],
      [403, "Resource not accessible by personal access token"],
      [404, "Not Found"],
      [422, "Unexpected inputs provided: [\"base_digest\"]"],
    ] as const) {
      const response = responseEnv(status, { message }, { "X-RateLimit-Remaining": "4999" });
      expect(outcome(cfg, response), String(status)).toBe("failed");
      expect(evaluateExpression(cfg.errorExpression, response)).toBe(message);
    }
    expect(evaluateExpression(cfg.errorExpression, responseEnv(400))).toBe("HTTP 400");
    expect(evaluateExpression(RATE_LIMITED, responseEnv(403, {}, { "RETRY-AFTER": "1" }))).toBe(true);
  });

  it("sends the moved base, its digest and the declared inputs, with the token only in the header", () => {
    const config = evaluateConfig(cfg, env({ metadata: { [`seen-${PYTHON_WH}`]: "f0" } })) as { body: string; headers: Array<{ name: string; value: string }> };
    expect(JSON.parse(config.body)).toEqual({
      ref: "main",
      inputs: { image: "uv", version_bump: "patch", triggered_by: "kargo-base-image-update", base_image: "docker.io/library/python:3.12-slim", base_digest: freight[PYTHON_WH][0].Digest, dry_run: "false" },
      return_run_details: true,
    });
    expect(config.headers.find((h) => h.name === "Authorization")!.value).toBe("Bearer t0ken");
    expect(config.body).not.toContain("t0ken");
  });
});

describe("the build, followed to its end", () => {
  const cfg = build.config;
  const run = (status: string, conclusion: string | null) =>
    responseEnv(200, { id: 17180000000, status, conclusion, html_url: "https://github.com/acme/platform/actions/runs/17180000000" });

  it("follows only a run GitHub named: not after a skipped or failed dispatch, nor after a 204", () => {
    expect(evaluateTemplate(build.if!, env({ outputs: { dispatch: { runId: "17180000000", runUrl: "u" } } }))).toBe(true);
    // The dispatch was skipped (a baseline): it left no outputs.
    expect(evaluateTemplate(build.if!, env({ outputs: {} }))).toBe(false);
    // 204: GitHub did not say which run.
    expect(evaluateTemplate(build.if!, env({ outputs: { dispatch: { runId: "", runUrl: "" } } }))).toBe(false);
    const url = evaluateConfig(cfg, env({ outputs: { dispatch: { runId: "17180000000", runUrl: "u" } } })) as { url: string };
    expect(url.url).toBe("https://api.github.com/repos/acme/platform/actions/runs/17180000000");
  });

  it("waits while the run is queued or in progress, and through GitHub's hiccups", () => {
    for (const status of ["queued", "waiting", "pending", "in_progress", "requested"]) expect(outcome(cfg, run(status, null)), status).toBe("running");
    expect(outcome(cfg, responseEnv(502))).toBe("running");
    expect(outcome(cfg, responseEnv(403, {}, { "Retry-After": "30" }))).toBe("running");
  });

  it("succeeds when the run succeeded", () => {
    expect(outcome(cfg, run("completed", "success"))).toBe("succeeded");
    expect(outcome(cfg, run("completed", "skipped"))).toBe("succeeded");
  });

  it("fails the Promotion when the build failed, was cancelled or timed out, naming the run's page", () => {
    for (const conclusion of ["failure", "cancelled", "timed_out", "action_required", "startup_failure"]) {
      const response = run("completed", conclusion);
      expect(outcome(cfg, response), conclusion).toBe("failed");
      expect(evaluateExpression(cfg.errorExpression, response)).toBe(`the build ended ${conclusion}: https://github.com/acme/platform/actions/runs/17180000000`);
    }
    const gone = responseEnv(404, { message: "Not Found" });
    expect(outcome(cfg, gone)).toBe("failed");
    expect(evaluateExpression(cfg.errorExpression, gone)).toBe("Not Found");
  });
});

describe("build roles: one owner per build, canaries dry-run", () => {
  // A hand-written workflow that declares dry_run (generated workflows declare it too).
  const withDryRun = handEstate();
  const uv = withDryRun.images.find((i) => i.spec.name === "uv")!;
  uv.spec = { ...uv.spec, source: { ...uv.spec.source, generatedWorkflow: false, workflow: "uv.yml", workflowInputs: ["version_bump", "base_image", "dry_run"] as any } };

  it("the owner sends dry_run false where the workflow declares it, and opens update PRs and runs the analysis", () => {
    const owner = planKargo(withDryRun, { project: "p", factoryRepo: "acme/image-factory", buildRole: "owner" });
    const [step] = find(owner.objects, "Stage", "rebuild-uv").spec.promotionTemplate.spec.steps as Step[];
    const body = JSON.parse(evaluateTemplate(step.config.body, env()) as string);
    expect(body.inputs).toEqual({ version_bump: "patch", base_image: "docker.io/library/python:3.12-slim", dry_run: "false" });
    expect(owner.objects.some((o) => o.metadata.name === "update-metrics-service")).toBe(true);
    expect(owner.objects.some((o) => o.metadata.name.startsWith("analyze-"))).toBe(true);
  });

  it("a canary dispatches only dry runs, only to workflows that take one, and opens nothing", () => {
    const canary = planKargo(withDryRun, { project: "p", factoryRepo: "acme/image-factory", buildRole: "canary" });
    const stages = canary.objects.filter((o) => o.kind === "Stage").map((o) => o.metadata.name);
    // uv declares dry_run, and so do the generated workflows (python-base, report-worker); backstage, e2e-runner and metrics-service's own do not.
    expect(stages.filter((n) => n.startsWith("rebuild-"))).toEqual(["rebuild-python-base", "rebuild-report-worker", "rebuild-uv"]);
    expect(stages.filter((n) => /^(update|analyze)-/.test(n))).toEqual([]);
    expect(canary.objects.some((o) => o.metadata.name.startsWith("source-"))).toBe(false);
    // Without updates to follow, only the parent's versions are watched (metrics-service rebuilds on python-base).
    expect(canary.objects.filter((o) => o.kind === "Warehouse" && o.metadata.name.startsWith("image-")).map((o) => o.metadata.name)).toEqual(["image-python-base"]);
    expect(canary.gitRepos).toEqual([]);
    const [step] = find(canary.objects, "Stage", "rebuild-uv").spec.promotionTemplate.spec.steps as Step[];
    const body = JSON.parse(evaluateTemplate(step.config.body, env()) as string);
    expect(body.inputs.dry_run).toBe("true");
    // The canary's dispatch is guarded and followed like the owner's: its green or red run is the early warning.
    expect(step.if).toBe(dispatch.if);
    expect(canary.dispatches).toEqual([
      { stage: "rebuild-python-base", repo: "acme/platform", branch: "main", workflowPath: ".github/workflows/image-factory-build.yml" },
      { stage: "rebuild-report-worker", repo: "acme/data-tools", branch: "main", workflowPath: ".github/workflows/image-factory-build.yml" },
      { stage: "rebuild-uv", repo: "acme/platform", branch: "main", workflowPath: ".github/workflows/uv.yml" },
    ]);
  });
});
