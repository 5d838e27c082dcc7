// Rebuild notifications as Kargo v1.11.2 would run them: which steps a rebuild Stage gets, when
// each runs (its `if` evaluated for dispatched, built, failed and errored rebuilds), and exactly
// what it sends (its body evaluated, then parsed as the JSON GitHub receives).
//
// Kargo semantics relied on (akuity/kargo v1.11.2):
// - pkg/promotion/local_orchestrator.go `ExecuteSteps`: after a Failed or Errored step the
//   Promotion goes on; pkg/promotion/evaluator.go `ShouldSkip` skips a step without `if` after
//   a failure, and evaluates the `if` of one that has it. So the outcome step runs after a
//   failed dispatch or build.
// - pkg/expressions/function/functions.go `Failure`/`Status`: failure() is true when a step
//   without continueOnError Failed or Errored (api/v1alpha1/promotion_types.go `HasFailures`);
//   status(alias) is that step's status.
// - pkg/promotion/orchestrator.go `DetermineFinalPhase`: a continueOnError step's outcome never
//   decides the Promotion's phase.
import { describe, expect, it } from "vitest";
import { DEFAULT_NOTIFICATION_EVENTS, type NotificationEvent } from "../../src/config/notifications";
import { planKargo, type KargoOptions } from "../../src/kargo";
import { NOTIFY_INPUTS, referenceKey } from "../../src/kargo/notifications";
import { evaluateConfig, evaluateExpression, evaluateTemplate, promotionEnv, responseEnv, type Env, httpStepOutcome } from "../helpers/kargo-expr";
import { find, handEstate } from "./fixtures";

type Step = { uses: string; as: string; if?: string; continueOnError?: boolean; retry?: Record<string, unknown>; config: Record<string, any> };

const estate = handEstate();
function plan(events: NotificationEvent[] | undefined, extra: Partial<KargoOptions> = {}) {
  return planKargo(estate, {
    project: "image-factory",
    factoryRepo: "acme/image-factory",
    ...(events ? { notifications: { stack: "prod", events, factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" } } : {}),
    ...extra,
  }).objects;
}
const stepsOf = (objects: ReturnType<typeof plan>, stage: string): Step[] => find(objects, "Stage", stage).spec.promotionTemplate.spec.steps;
const step = (steps: Step[], alias: string) => steps.find((s) => s.as === alias)!;

const STAGE = "rebuild-uv";
const PYTHON_WH = "base-python-3-12-slim";
const UV_WH = "base-ghcr-io-astral-sh-uv-0-5";
const OLD = "sha256:" + "1".repeat(64);
const NEW = "sha256:" + "2".repeat(64);
const RUN_URL = "https://github.com/acme/platform/actions/runs/17180000000";
const freight = {
  [PYTHON_WH]: [{ RepoURL: "docker.io/library/python", Tag: "3.12-slim", Digest: NEW }],
  [UV_WH]: [{ RepoURL: "ghcr.io/astral-sh/uv", Tag: "0.5", Digest: "sha256:" + "4".repeat(64) }],
};
const moved = { from: `docker.io/library/python:3.12-slim@${OLD}`, to: `docker.io/library/python:3.12-slim@${NEW}` };
const NOTIFY_STEPS = ["moved", "notify-dispatched", "notify"];

function env(opts: { stepStatus?: Record<string, string>; outputs?: Record<string, unknown>; metadata?: Record<string, unknown> | null } = {}): Env {
  return promotionEnv({
    stage: STAGE,
    collection: freight,
    target: PYTHON_WH,
    stepStatus: opts.stepStatus,
    continueOnError: NOTIFY_STEPS,
    outputs: opts.outputs ?? { moved, dispatch: { runId: "17180000000", runUrl: RUN_URL } },
    stageMetadata: opts.metadata ?? null,
    secrets: { "github-credentials": { password: "t0ken" } },
  });
}

/** Whether the step runs in this Promotion, and what the notify workflow receives if it does. */
function sent(s: Step, e: Env): { ref: string; inputs: Record<string, string> } | undefined {
  if (evaluateTemplate(s.if!, e) !== true) return undefined;
  const body = (evaluateConfig(s.config, e) as { body: string }).body;
  return JSON.parse(body) as { ref: string; inputs: Record<string, string> };
}

const ALL: NotificationEvent[] = ["dispatched", "built", "failed"];
const steps = stepsOf(plan(ALL), STAGE);
const dispatched = step(steps, "notify-dispatched");
const outcome = step(steps, "notify");

describe("which steps a rebuild Stage gets", () => {
  it("adds nothing without a webhook: the rebuild steps stay dispatch, seen, build", () => {
    expect(stepsOf(plan(undefined), STAGE).map((s) => s.as)).toEqual(["dispatch", "seen", "build"]);
  });

  it("records the moved base first, notifies a dispatch before the run is followed, and the outcome last", () => {
    expect(steps.map((s) => s.as)).toEqual(["moved", "dispatch", "seen", "notify-dispatched", "build", "notify"]);
    expect(stepsOf(plan([...DEFAULT_NOTIFICATION_EVENTS]), STAGE).map((s) => s.as)).toEqual(["moved", "dispatch", "seen", "build", "notify"]);
    expect(stepsOf(plan(["dispatched"]), STAGE).map((s) => s.as)).toEqual(["moved", "dispatch", "seen", "notify-dispatched", "build"]);
    // Muted: the reference is still recorded, nothing is sent.
    expect(stepsOf(plan([]), STAGE).map((s) => s.as)).toEqual(["moved", "dispatch", "seen", "build"]);
  });

  it("never lets a notification step fail the rebuild, and gives it minutes, not the rebuild's hours", () => {
    for (const s of steps.filter((x) => NOTIFY_STEPS.includes(x.as))) {
      expect(s.continueOnError, s.as).toBe(true);
      expect(s.if, s.as).toBeDefined();
    }
    expect(dispatched.retry).toEqual({ timeout: "10m0s", errorThreshold: 5 });
    expect(outcome.retry).toEqual({ timeout: "10m0s", errorThreshold: 5 });
  });

  it("gives the steps only to Stages that dispatch: no other Stage, and no per-image object", () => {
    const withNotify = plan(ALL);
    const without = plan(undefined);
    expect(withNotify.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(without.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const o of withNotify.filter((x) => x.kind === "Stage")) {
      const aliases = (o.spec as any).promotionTemplate.spec.steps.map((s: Step) => s.as);
      if (o.metadata.name.startsWith("rebuild-")) expect(aliases, o.metadata.name).toContain("notify");
      else expect(aliases.filter((a: string) => NOTIFY_STEPS.includes(a)), o.metadata.name).toEqual([]);
    }
    // A canary dispatches only workflows that declare dry_run: only those Stages notify.
    const canary = plan(ALL, { buildRole: "canary" }).filter((o) => o.kind === "Stage" && o.metadata.name.startsWith("rebuild-"));
    expect(canary.map((o) => o.metadata.name)).toEqual(["rebuild-python-base", "rebuild-report-worker", "rebuild-uv"]);
  });

  it("calls only GitHub's API, with the token in the Authorization header: the webhook is never in a Kargo object", () => {
    for (const s of [dispatched, outcome]) {
      expect(s.uses).toBe("http");
      expect(s.config.url).toBe("https://api.github.com/repos/acme/image-factory/actions/workflows/notify.yml/dispatches");
      expect(s.config.method).toBe("POST");
      expect(s.config.queryParams).toBeUndefined();
      expect(s.config.headers).toContainEqual({ name: "Authorization", value: "Bearer ${{ secret('github-credentials').password }}" });
      const text = JSON.stringify(s);
      // The only secret() is the dispatch token's, in the header.
      expect(text.match(/secret\(/g)).toHaveLength(1);
    }
    expect(JSON.stringify(plan(ALL))).not.toMatch(/webhook|hooks\./i);
  });

  it("follows GitHub Enterprise Server's API root", () => {
    const ghes = step(stepsOf(plan(ALL, { githubApiUrl: "https://github.example.com/api/v3" }), STAGE), "notify");
    expect(ghes.config.url).toBe("https://github.example.com/api/v3/repos/acme/image-factory/actions/workflows/notify.yml/dispatches");
  });
});

describe("when each notification is sent, and what it says", () => {
  const HEAD = "image-factory prod: uv";
  const BASE = `Base moved: docker.io/library/python:3.12-slim@${OLD} -> docker.io/library/python:3.12-slim@${NEW}`;
  const AGAIN = `Promote again once fixed: kargo promote --project image-factory --stage rebuild-uv --warehouse ${PYTHON_WH}`;

  it("dispatched: right after a dispatch GitHub accepted, with the base that moved and the run", () => {
    const e = env({ stepStatus: { moved: "Succeeded", dispatch: "Succeeded", seen: "Succeeded" } });
    expect(sent(dispatched, e)).toEqual({ ref: "main", inputs: { stack: "prod", text: `${HEAD} rebuild dispatched\n${BASE}\nRun: ${RUN_URL}` } });
    // Exactly the inputs the notify workflow declares.
    expect(Object.keys(sent(dispatched, e)!.inputs)).toEqual([...NOTIFY_INPUTS]);
  });

  it("built: once the run was followed to success", () => {
    const e = env({ stepStatus: { moved: "Succeeded", dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Succeeded", build: "Succeeded" } });
    expect(sent(outcome, e)?.inputs.text).toBe(`${HEAD} rebuilt\n${BASE}\nRun: ${RUN_URL}`);
  });

  it("failed: a failed, cancelled or timed-out run (the build step Failed), with how to re-run it", () => {
    const e = env({ stepStatus: { dispatch: "Succeeded", seen: "Succeeded", build: "Failed" } });
    expect(sent(outcome, e)?.inputs.text).toBe(`${HEAD} rebuild FAILED: the build failed\n${BASE}\nRun: ${RUN_URL}\n${AGAIN}`);
  });

  it("failed: a dispatch GitHub refused (a 4xx), with no run to link", () => {
    const e = env({ stepStatus: { dispatch: "Failed", seen: "Succeeded", build: "Skipped" }, outputs: { moved } });
    expect(sent(dispatched, e)).toBeUndefined();
    expect(sent(outcome, e)?.inputs.text).toBe(`${HEAD} rebuild FAILED: GitHub refused the dispatch\n${BASE}\n${AGAIN}`);
  });

  it("failed: errored steps (a dispatch retried past its timeout, a run followed past its timeout, a guard that could not be evaluated)", () => {
    const dispatchErrored = env({ stepStatus: { dispatch: "Errored", seen: "Skipped", build: "Skipped" }, outputs: { moved } });
    expect(sent(outcome, dispatchErrored)?.inputs.text).toBe(`${HEAD} rebuild FAILED: the dispatch did not get through\n${BASE}\n${AGAIN}`);
    const buildErrored = env({ stepStatus: { dispatch: "Succeeded", seen: "Succeeded", build: "Errored" } });
    expect(sent(outcome, buildErrored)?.inputs.text).toBe(`${HEAD} rebuild FAILED: the build could not be followed to its end\n${BASE}\nRun: ${RUN_URL}\n${AGAIN}`);
    const seenFailed = env({ stepStatus: { dispatch: "Skipped", seen: "Errored", build: "Skipped" }, outputs: { moved } });
    expect(sent(outcome, seenFailed)?.inputs.text).toBe(`${HEAD} rebuild FAILED: a step of the Promotion failed\n${BASE}\n${AGAIN}`);
  });

  it("says nothing about a baseline (a first sight builds nothing), nor about a failed notification", () => {
    const baseline = env({ stepStatus: { moved: "Succeeded", dispatch: "Skipped", seen: "Succeeded", build: "Skipped" }, outputs: { moved } });
    expect(sent(dispatched, baseline)).toBeUndefined();
    expect(sent(outcome, baseline)).toBeUndefined();
    // The dispatched notification failed (continueOnError): the rebuild that then built is "built", not "failed".
    const e = env({ stepStatus: { dispatch: "Succeeded", seen: "Succeeded", "notify-dispatched": "Errored", build: "Succeeded" } });
    expect(sent(outcome, e)?.inputs.text).toMatch(/ rebuilt\n/);
  });

  it("sends only the configured events", () => {
    const built = env({ stepStatus: { dispatch: "Succeeded", seen: "Succeeded", build: "Succeeded" } });
    const failed = env({ stepStatus: { dispatch: "Succeeded", seen: "Succeeded", build: "Failed" } });
    const only = (events: NotificationEvent[]) => step(stepsOf(plan(events), STAGE), "notify");
    expect(sent(only(["failed"]), built)).toBeUndefined();
    expect(sent(only(["failed"]), failed)).toBeDefined();
    expect(sent(only(["built"]), built)).toBeDefined();
    expect(sent(only(["built"]), failed)).toBeUndefined();
  });

  it("marks a canary's messages as a dry run", () => {
    const canary = step(stepsOf(plan(ALL, { buildRole: "canary" }), STAGE), "notify");
    const e = env({ stepStatus: { dispatch: "Succeeded", seen: "Succeeded", build: "Failed" } });
    expect(sent(canary, e)?.inputs.text).toMatch(/^\[dry run\] image-factory prod: uv rebuild FAILED: the build failed\n/);
  });

  it("says so when the previous digest was not recorded (notifications switched on after the last rebuild)", () => {
    const e = env({ stepStatus: { dispatch: "Succeeded" }, outputs: { moved: { from: "", to: moved.to } } });
    expect(sent(dispatched, e)?.inputs.text).toContain(`Base moved: (not recorded) -> ${moved.to}`);
  });

  it("never evaluates what it reports: a recorded value that looks like an expression stays text, quotes and all", () => {
    const odd = `x"}, "ref": "evil", "y": {"z": "\${{ secret('github-credentials').password }}`;
    const e = env({ stepStatus: { dispatch: "Succeeded" }, outputs: { moved: { from: odd, to: moved.to } } });
    const body = sent(dispatched, e)!;
    expect(body.ref).toBe("main");
    expect(body.inputs.text).toContain(`Base moved: ${odd} -> `);
  });
});

describe("the moved base: old and new reference", () => {
  const movedStep = step(steps, "moved");
  const seen = step(steps, "seen");
  const metadata = { [referenceKey(PYTHON_WH)]: moved.from, [referenceKey(UV_WH)]: "ghcr.io/astral-sh/uv:0.5@sha256:" + "3".repeat(64) };

  it("reads the reference the Stage last took from the moved origin, and the one it takes now", () => {
    const e = env({ outputs: {}, metadata });
    expect(evaluateTemplate(movedStep.if!, e)).toBe(true);
    expect(evaluateConfig(movedStep.config, e)).toEqual({ from: moved.from, to: moved.to });
    // Nothing recorded yet: an empty `from`.
    expect(evaluateConfig(movedStep.config, env({ outputs: {}, metadata: null }))).toEqual({ from: "", to: moved.to });
  });

  it("runs once: a Promotion the controller restarts (after seen rewrote the record) keeps the first answer", () => {
    expect(evaluateTemplate(movedStep.if!, env({ outputs: { moved } }))).toBe(false);
  });

  it("seen records the new reference of the moved origin and keeps the other origins'", () => {
    const values = (evaluateConfig(seen.config, env({ metadata })) as any).updates[0].values;
    expect(values[referenceKey(PYTHON_WH)]).toBe(moved.to);
    expect(values[referenceKey(UV_WH)]).toBe(metadata[referenceKey(UV_WH)]);
    expect(values[referenceKey("base-gcr-io-distroless-python3-debian12-nonroot")]).toBe("");
    // The next Promotion of this origin reads it as its `from`.
    const next = evaluateConfig(movedStep.config, env({ outputs: {}, metadata: { ...metadata, ...values } })) as { from: string };
    expect(next.from).toBe(moved.to);
  });
});

describe("what GitHub answers the notify dispatch", () => {
  const outcomeOf = (response: Env) => httpStepOutcome(outcome.config, response);

  it("succeeds on 204 (and 200), fails at once on a final 4xx, and re-sends rate limits and 5xx until its short timeout", () => {
    expect(outcomeOf(responseEnv(204))).toBe("succeeded");
    expect(outcomeOf(responseEnv(200, { workflow_run_id: 1 }))).toBe("succeeded");
    expect(outcomeOf(responseEnv(404, { message: "Not Found" }))).toBe("failed");
    expect(outcomeOf(responseEnv(422, { message: "Unexpected inputs provided" }))).toBe("failed");
    expect(outcomeOf(responseEnv(429, {}, { "Retry-After": "60" }))).toBe("running");
    expect(outcomeOf(responseEnv(503))).toBe("running");
    expect(evaluateExpression(outcome.config.errorExpression, responseEnv(404, { message: "Not Found" }))).toBe("Not Found");
  });
});
