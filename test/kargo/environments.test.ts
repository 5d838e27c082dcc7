// Promotion through environments: one update Stage per (image, environment), chained by
// `after` with the soak as requiredSoakTime (src/kargo/environments.ts cites the Kargo v1.11.2
// code each choice rests on).
import { describe, expect, it } from "vitest";
import { completeImage, type ImageInput, imageSchema } from "../../src/config/schema";
import { AUTO_PROMOTE_LABEL, kubeName, planKargo } from "../../src/kargo";
import { ENVIRONMENT_LABEL, PR_POLL_INTERVAL, PR_WAIT_ERROR_THRESHOLD } from "../../src/kargo/environments";
import { environmentStage, MAX_NAME_LENGTH } from "../../src/kargo/names";
import type { Estate } from "../../src/model/types";
import { evaluateConfig, evaluateTemplate, promotionEnv } from "../helpers/kargo-expr";
import { find, handEstate } from "./fixtures";

type Step = { uses: string; as: string; if?: string; retry?: Record<string, unknown>; config: Record<string, any> };

const WORKER = "report-worker";
const WORKER_REPO = "ghcr.io/acme/data-tools/report-worker";

/** The example estate with `updates` on report-worker (which has none there). */
function withUpdates(updates: ImageInput["updates"]): Estate {
  const estate = handEstate();
  estate.images = estate.images.map((n) => {
    if (n.spec.name !== WORKER) return n;
    const spec = completeImage(imageSchema.parse({ name: WORKER, repository: "acme/data-tools/report-worker", source: { repo: "acme/data-tools", dockerfile: "report-worker/Dockerfile" }, updates }));
    return { ...n, spec: { ...n.spec, updates: spec.updates } };
  });
  return estate;
}

const CHAIN: ImageInput["updates"] = [
  { repo: "acme/deploy", path: "staging/report-worker", type: "kustomize-set-image", environment: "staging" },
  { repo: "acme/deploy", path: "prod/report-worker", type: "kustomize-set-image", environment: "prod", after: "staging", soak: "2d" },
  { repo: "acme/platform", path: "charts/worker/values-staging.yaml", type: "yaml-update", key: "image.tag", environment: "staging" },
  { repo: "acme/deploy", path: "dr/report-worker", type: "kustomize-set-image", environment: "dr", after: "prod" },
  { repo: "acme/data-tools", path: "deploy/report-worker", type: "kustomize-set-image" },
];

const options = { project: "image-factory" };
const plan = planKargo(withUpdates(CHAIN), options);
const stage = (name: string) => find(plan.objects, "Stage", name);
const stepsOf = (name: string): Step[] => stage(name).spec.promotionTemplate.spec.steps;

describe("the update Stages of an image with environments", () => {
  it("are one per environment plus today's Stage for the updates without one, all on the image's Warehouse", () => {
    const updates = plan.objects.filter((o) => o.kind === "Stage" && o.metadata.name.startsWith("update-report-worker")).map((o) => o.metadata.name);
    expect(updates).toEqual(["update-report-worker", "update-report-worker--dr", "update-report-worker--prod", "update-report-worker--staging"]);
    expect(plan.objects.some((o) => o.kind === "Warehouse" && o.metadata.name === "image-report-worker")).toBe(true);
    for (const name of updates) {
      expect(stage(name).spec.requestedFreight.map((r: any) => r.origin)).toEqual([{ kind: "Warehouse", name: "image-report-worker" }]);
    }
  });

  it("the first environment takes new versions directly; each next one from the previous environment's Stage after its soak, matching what it holds", () => {
    expect(stage("update-report-worker--staging").spec.requestedFreight[0].sources).toEqual({ direct: true });
    expect(stage("update-report-worker--prod").spec.requestedFreight[0].sources).toEqual({
      stages: ["update-report-worker--staging"],
      requiredSoakTime: "48h0m0s",
      autoPromotionOptions: { selectionPolicy: "MatchUpstream" },
    });
    // `after` without `soak`: as soon as prod holds it (merged), no soak field.
    expect(stage("update-report-worker--dr").spec.requestedFreight[0].sources).toEqual({
      stages: ["update-report-worker--prod"],
      autoPromotionOptions: { selectionPolicy: "MatchUpstream" },
    });
    expect(stage("update-report-worker").spec.requestedFreight[0].sources).toEqual({ direct: true });
  });

  it("promote by themselves (the ProjectConfig's label) and name their environment in a label", () => {
    expect(stage("update-report-worker--prod").metadata.labels).toEqual({ [AUTO_PROMOTE_LABEL]: "true", [ENVIRONMENT_LABEL]: "prod" });
    expect(stage("update-report-worker").metadata.labels).toEqual({ [AUTO_PROMOTE_LABEL]: "true" });
  });

  it("each open pull requests for exactly their environment's updates", () => {
    const targets = (name: string) => stepsOf(name).filter((s) => s.uses === "git-clone").map((s) => `${s.config.repoURL} ${s.config.checkout[0].path}`);
    expect(targets("update-report-worker--staging")).toEqual(["https://github.com/acme/deploy.git ./update-0", "https://github.com/acme/platform.git ./update-1"]);
    expect(targets("update-report-worker--prod")).toEqual(["https://github.com/acme/deploy.git ./update-0"]);
    expect(stepsOf("update-report-worker--prod")[1].config.path).toBe("./update-0/prod/report-worker");
    expect(stepsOf("update-report-worker--staging")[6].config).toEqual({ path: "./update-1/charts/worker/values-staging.yaml", updates: [{ key: "image.tag", value: '${{ quote(imageFrom("ghcr.io/acme/data-tools/report-worker", warehouse("image-report-worker")).Tag) }}' }] });
    expect(targets("update-report-worker")).toEqual(["https://github.com/acme/data-tools.git ./update-0"]);
  });

  it("an environment that another follows waits for its pull requests to be merged; the last one does not", () => {
    const kinds = (name: string) => stepsOf(name).map((s) => `${s.uses}:${s.as}`);
    expect(kinds("update-report-worker--staging").slice(-2)).toEqual(["git-wait-for-pr:merged-0", "git-wait-for-pr:merged-1"]);
    expect(kinds("update-report-worker--prod").slice(-1)).toEqual(["git-wait-for-pr:merged-0"]);
    expect(kinds("update-report-worker--dr").some((k) => k.startsWith("git-wait-for-pr"))).toBe(false);
    expect(kinds("update-report-worker").some((k) => k.startsWith("git-wait-for-pr"))).toBe(false);

    const wait = stepsOf("update-report-worker--staging").find((s) => s.as === "merged-1")!;
    expect(wait.retry).toEqual({ errorThreshold: PR_WAIT_ERROR_THRESHOLD });
    expect(wait.config.pollInterval).toBe(PR_POLL_INTERVAL);
    const env = (commit: string) =>
      promotionEnv({
        stage: "update-report-worker--staging",
        collection: { "image-report-worker": [{ RepoURL: WORKER_REPO, Tag: "2.3.0", Digest: "sha256:1" }] },
        target: "image-report-worker",
        outputs: { "clone-1": { commits: { target: "aaa" } }, "commit-1": { commit }, "open-pr-1": { pr: { id: 42, url: "https://github.com/acme/platform/pull/42" } } },
      });
    // The PR number arrives as a number (git-wait-for-pr's schema takes an integer).
    expect(evaluateConfig(wait.config, env("bbb"))).toEqual({ repoURL: "https://github.com/acme/platform.git", prNumber: 42, pollInterval: "5m" });
    // Only when a pull request was opened: a target that already had the version has none to wait for.
    expect(evaluateTemplate(wait.if!, env("bbb"))).toBe(true);
    expect(evaluateTemplate(wait.if!, env("aaa"))).toBe(false);
  });

  it("say the environment in the pull request", () => {
    const env = promotionEnv({ stage: "s", collection: { "image-report-worker": [{ RepoURL: WORKER_REPO, Tag: "2.3.0", Digest: "sha256:1" }] }, target: "image-report-worker", outputs: { "push-0": { branch: "b" } } });
    expect(evaluateConfig(stepsOf("update-report-worker--prod")[4].config, env)).toMatchObject({
      title: "Update ghcr.io/acme/data-tools/report-worker to 2.3.0 (prod)",
      description: "Opened by Kargo (image-factory) for the new version of ghcr.io/acme/data-tools/report-worker in environment prod.",
    });
  });

  it("leave the Stage of updates without an environment exactly as it was (no churn for existing users)", () => {
    const before = planKargo(withUpdates(CHAIN.filter((u) => u.environment === undefined)), options);
    expect(JSON.stringify(stage("update-report-worker"))).toBe(JSON.stringify(find(before.objects, "Stage", "update-report-worker")));
    // …and the example's metrics-service Stage is untouched by the chain next to it.
    expect(JSON.stringify(stage("update-metrics-service"))).toBe(JSON.stringify(find(planKargo(handEstate(), options).objects, "Stage", "update-metrics-service")));
  });

  it("allow several first environments side by side", () => {
    const roots = planKargo(withUpdates([
      { repo: "acme/deploy", path: "eu", type: "kustomize-set-image", environment: "eu" },
      { repo: "acme/deploy", path: "us", type: "kustomize-set-image", environment: "us" },
    ]), options);
    for (const name of ["update-report-worker--eu", "update-report-worker--us"]) {
      expect(find(roots.objects, "Stage", name).spec.requestedFreight[0].sources).toEqual({ direct: true });
    }
  });

  it("exist only in the stack that owns the builds: a canary opens no pull requests", () => {
    const canary = planKargo(withUpdates(CHAIN), { ...options, buildRole: "canary" });
    expect(canary.objects.filter((o) => o.metadata.name.startsWith("update-report-worker"))).toEqual([]);
  });

  it("are deterministic", () => {
    expect(JSON.stringify(planKargo(withUpdates(CHAIN), options).objects)).toBe(JSON.stringify(plan.objects));
  });
});

describe("environment Stage names", () => {
  it("can never be another image's update Stage: the double dash is something slug() never makes", () => {
    expect(environmentStage("web", "prod")).toBe("update-web--prod");
    expect(kubeName("update", "web-prod")).toBe("update-web-prod");
    const both = planKargo(withUpdates([{ repo: "acme/deploy", path: "p", type: "kustomize-set-image", environment: "prod" }]), options);
    expect(both.objects.some((o) => o.metadata.name === "update-report-worker--prod")).toBe(true);
  });

  it("stay valid, stable and distinct when an image name is long", () => {
    const image = "a".repeat(60);
    const [a, b] = [environmentStage(image, "staging"), environmentStage(image, "prod")];
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(a).not.toBe(b);
    expect(environmentStage(image, "staging")).toBe(a);
    // The longest readable pair: a 30-character image and a 24-character environment.
    expect(environmentStage("i".repeat(30), "e".repeat(24))).toBe(`update-${"i".repeat(30)}--${"e".repeat(24)}`);
  });
});
