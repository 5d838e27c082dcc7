import { describe, expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { DISPATCH_INPUTS } from "../../src/config/schema";
import { workflowDispatchInputs } from "../../src/github/workflow";
import { buildKargoObjects, kubeName, planKargo, registryPolling } from "../../src/kargo";
import { kargoDuration } from "../../src/kargo/durations";
import { DISPATCH_GUARD, FINAL_CLIENT_ERROR, kustomizationDir } from "../../src/kargo/objects";
import type { Estate, ImageNode, WatchedBase } from "../../src/model/types";
import { evaluateConfig, evaluateTemplate, promotionEnv, type SimulatedImage } from "../helpers/kargo-expr";
import { bodyInputs, exampleEstate, find, handEstate } from "./fixtures";

const estate = handEstate();
const options = { project: "image-factory", factoryRepo: "acme/image-factory" };
const plan = planKargo(estate, options);
const { objects } = plan;
const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
const IMAGES = ["backstage", "e2e-runner", "metrics-service", "python-base", "report-worker", "uv"];
const NODE_WH = "base-node-22-bookworm-slim";
const PYTHON_WH = "base-python-3-12-slim";
const DISTROLESS_WH = "base-gcr-io-distroless-python3-debian12-nonroot";
const UV_WH = "base-ghcr-io-astral-sh-uv-0-5";
const PLAYWRIGHT_WH = "base-mcr-microsoft-com-playwright-v1-48-0-noble";

/** A Freight per Warehouse with distinct tags and digests, as a Stage could hold them. */
function collection(overrides: Record<string, SimulatedImage[]> = {}): Record<string, SimulatedImage[]> {
  const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
  return {
    [NODE_WH]: [{ RepoURL: "docker.io/library/node", Tag: "22-bookworm-slim", Digest: digest(1) }],
    [PYTHON_WH]: [{ RepoURL: "docker.io/library/python", Tag: "3.12-slim", Digest: digest(2) }],
    [DISTROLESS_WH]: [{ RepoURL: "gcr.io/distroless/python3-debian12", Tag: "nonroot", Digest: digest(3) }],
    [UV_WH]: [{ RepoURL: "ghcr.io/astral-sh/uv", Tag: "0.5", Digest: digest(4) }],
    [PLAYWRIGHT_WH]: [{ RepoURL: "mcr.microsoft.com/playwright", Tag: "v1.48.0-noble", Digest: digest(5) }],
    "image-python-base": [{ RepoURL: "ghcr.io/acme/python-base", Tag: "1.4.2", Digest: digest(6) }],
    "image-metrics-service": [{ RepoURL: "ghcr.io/acme/data-tools/metrics-service", Tag: "1.10.0", Digest: digest(7) }],
    "image-uv": [{ RepoURL: "ghcr.io/acme/uv", Tag: "0.3.1", Digest: digest(8) }],
    ...overrides,
  };
}

type Step = { uses: string; as: string; if?: string; retry?: unknown; config: Record<string, any> };
const stepsOf = (name: string): Step[] => find(objects, "Stage", name).spec.promotionTemplate.spec.steps;

describe("the fixture", () => {
  it("mirrors the example estate (examples/estate/images.yaml and its lock)", () => {
    expect(handEstate()).toEqual(exampleEstate());
  });
});

describe("the example estate's Kargo objects", () => {
  it("has exactly the expected objects, Project first: image Warehouses only where followed, source watching per repository", () => {
    expect(names).toEqual([
      "Project/image-factory",
      "ProjectConfig/image-factory",
      `Warehouse/${DISTROLESS_WH}`,
      `Warehouse/${UV_WH}`,
      `Warehouse/${PLAYWRIGHT_WH}`,
      `Warehouse/${NODE_WH}`,
      `Warehouse/${PYTHON_WH}`,
      // metrics-service has updates; python-base is the parent of metrics-service.
      "Warehouse/image-metrics-service",
      "Warehouse/image-python-base",
      // report-worker's updates go through environments (staging, then prod).
      "Warehouse/image-report-worker",
      "Warehouse/source-acme-data-tools-main",
      "Warehouse/source-acme-platform-main",
      "Stage/analyze-acme-data-tools-main",
      "Stage/analyze-acme-platform-main",
      ...IMAGES.map((i) => `Stage/rebuild-${i}`),
      "Stage/seen-gcr-io-distroless-python3-debian12-nonroot",
      "Stage/seen-ghcr-io-astral-sh-uv-0-5",
      "Stage/seen-image-python-base",
      "Stage/seen-mcr-microsoft-com-playwright-v1-48-0-noble",
      "Stage/seen-node-22-bookworm-slim",
      "Stage/seen-python-3-12-slim",
      "Stage/update-metrics-service",
      "Stage/update-report-worker--prod",
      "Stage/update-report-worker--staging",
    ]);
    expect(buildKargoObjects(estate, options)).toEqual(objects);
  });

  it("puts every namespaced object in the project namespace; the Project has no spec", () => {
    // keep-namespace: deleting the Project leaves the namespace, its Secrets and Freight.
    expect(find(objects, "Project", "image-factory")).toEqual({
      apiVersion: "kargo.akuity.io/v1alpha1",
      kind: "Project",
      metadata: { name: "image-factory", annotations: { "kargo.akuity.io/keep-namespace": "true" } },
    });
    for (const o of objects.filter((x) => x.kind !== "Project")) expect(o.metadata.namespace).toBe("image-factory");
  });

  it("auto-promotes exactly the labelled Stages, through one label-selected policy whatever the estate's size", () => {
    const policies = find(objects, "ProjectConfig", "image-factory").spec.promotionPolicies;
    expect(policies).toEqual([{ stageSelector: { matchLabels: { "image-factory/auto-promote": "true" } }, autoPromotionEnabled: true }]);
    const labelled = objects.filter((o) => o.kind === "Stage" && (o.metadata.labels as Record<string, string> | undefined)?.["image-factory/auto-promote"] === "true").map((o) => o.metadata.name);
    expect(labelled).toEqual([
      "analyze-acme-data-tools-main",
      "analyze-acme-platform-main",
      ...IMAGES.filter((i) => i !== "e2e-runner").map((i) => `rebuild-${i}`),
      "seen-gcr-io-distroless-python3-debian12-nonroot",
      "seen-ghcr-io-astral-sh-uv-0-5",
      "seen-image-python-base",
      // Only e2e-runner (autoRebuild: false) waits on playwright: its observer still runs,
      // so the Freight soaks and a person can promote the rebuild once the delay has passed.
      "seen-mcr-microsoft-com-playwright-v1-48-0-noble",
      "seen-node-22-bookworm-slim",
      "seen-python-3-12-slim",
      "update-metrics-service",
      "update-report-worker--prod",
      "update-report-worker--staging",
    ]);
    // e2e-runner's rebuild exists for a person to promote, but never promotes itself.
    expect(find(objects, "Stage", "rebuild-e2e-runner").metadata.labels).toBeUndefined();
    // The ProjectConfig does not grow with the estate.
    const big = planKargo(syntheticEstate(300, 2, 40), { project: "p", factoryRepo: "acme/f" });
    expect(find(big.objects, "ProjectConfig", "p").spec).toEqual(find(objects, "ProjectConfig", "image-factory").spec);
  });

  it("watches each distinct base once, by the digest of its tag, with current field names and explicit defaults", () => {
    expect(find(objects, "Warehouse", NODE_WH).spec).toEqual({
      interval: "6h0m0s",
      freightCreationPolicy: "Automatic",
      subscriptions: [
        { image: { repoURL: "docker.io/library/node", imageSelectionStrategy: "Digest", constraint: "22-bookworm-slim", strictSemvers: true, discoveryLimit: 1 } },
      ],
    });
    // A base's own interval wins over the registry's; the registry holding our own images polls faster.
    expect(find(objects, "Warehouse", DISTROLESS_WH).spec.interval).toBe("12h0m0s");
    expect(find(objects, "Warehouse", UV_WH).spec.interval).toBe("10m0s");
    expect(find(objects, "Warehouse", PLAYWRIGHT_WH).spec.interval).toBe("1h0m0s");
    const text = JSON.stringify(objects);
    for (const removed of ['"allowTags"', '"semverConstraint"', '"ignoreTags"', '"tagSelectionStrategy"', '"gitRepoURL"']) expect(text).not.toContain(removed);
    // Shared by all its dependents: one Warehouse for backstage and report-worker.
    const users = objects.filter((o) => o.kind === "Stage" && JSON.stringify((o as any).spec.requestedFreight).includes(NODE_WH)).map((o) => o.metadata.name);
    expect(users).toEqual(["rebuild-backstage", "rebuild-report-worker", "seen-node-22-bookworm-slim"]);
  });

  it("watches a followed image's published X.Y.Z tags, and each source repository's newest commit touching a build context", () => {
    const sub = find(objects, "Warehouse", "image-python-base").spec.subscriptions;
    expect(sub).toEqual([
      { image: { repoURL: "ghcr.io/acme/python-base", imageSelectionStrategy: "SemVer", constraint: ">=0.0.0", allowTagsRegexes: ["^\\d+\\.\\d+\\.\\d+$"], strictSemvers: true, discoveryLimit: 1 } },
    ]);
    // The regex is written once, not escaped twice: it must match what the workflows publish.
    const regex = new RegExp(sub[0].image.allowTagsRegexes[0]);
    for (const tag of ["0.1.0", "1.2.3", "10.20.30"]) expect(regex.test(tag), tag).toBe(true);
    for (const tag of ["latest", "1.2", "v1.2.3", "1.2.3-rc.1", "sha-abc1234"]) expect(regex.test(tag), tag).toBe(false);
    // One Warehouse for the four images of acme/platform: the union of their build contexts,
    // the newest matching commit only (discoveryLimit 1), fetched without file contents.
    expect(find(objects, "Warehouse", "source-acme-platform-main").spec).toEqual({
      interval: "5m0s",
      freightCreationPolicy: "Automatic",
      subscriptions: [
        {
          git: {
            repoURL: "https://github.com/acme/platform.git",
            branch: "main",
            commitSelectionStrategy: "NewestFromBranch",
            includePaths: ["apps/e2e-runner", "apps/uv", "backstage", "images/python-base"],
            strictSemvers: true,
            discoveryLimit: 1,
            blobless: true,
          },
        },
      ],
    });
    for (const o of objects.filter((x) => x.kind === "Warehouse")) {
      for (const sub of (o as any).spec.subscriptions) if (sub.git) expect(sub.git, o.metadata.name).toMatchObject({ discoveryLimit: 1, blobless: true });
    }
  });

  it("waits rebuildDelay (as Kargo stores it, in hours) after the base was last seen to move", () => {
    const soak = (image: string) => (find(objects, "Stage", `rebuild-${image}`).spec.requestedFreight as Array<{ sources: Record<string, unknown> }>).map((r) => r.sources);
    const match = { autoPromotionOptions: { selectionPolicy: "MatchUpstream" } };
    expect(soak("backstage")).toEqual([{ stages: ["seen-node-22-bookworm-slim"], requiredSoakTime: "168h0m0s", ...match }]);
    expect(soak("metrics-service")).toEqual([{ stages: ["seen-image-python-base"], requiredSoakTime: "48h0m0s", ...match }]);
    expect(soak("python-base")).toEqual([{ stages: ["seen-python-3-12-slim"], requiredSoakTime: "24h0m0s", ...match }]);
    expect(soak("e2e-runner")).toEqual([{ stages: ["seen-mcr-microsoft-com-playwright-v1-48-0-noble"], requiredSoakTime: "168h0m0s", ...match }]);
    // rebuildDelay 0d: at once, no soak.
    expect(soak("report-worker")).toEqual([{ stages: ["seen-node-22-bookworm-slim"], ...match }]);
    // Every source taken from an observer takes only what the observer holds now.
    for (const o of objects.filter((x) => x.kind === "Stage" && x.metadata.name.startsWith("rebuild-"))) {
      for (const r of (o as any).spec.requestedFreight) expect(r.sources, o.metadata.name).toMatchObject({ stages: [expect.stringMatching(/^seen-/)], ...match });
    }
    // uv rebuilds on any one of its three bases (one entry per origin), each after 3 days.
    expect(find(objects, "Stage", "rebuild-uv").spec.requestedFreight).toEqual(
      [DISTROLESS_WH, UV_WH, PYTHON_WH].map((wh) => ({
        origin: { kind: "Warehouse", name: wh },
        sources: { stages: [wh.replace(/^base-/, "seen-")], requiredSoakTime: "72h0m0s", autoPromotionOptions: { selectionPolicy: "MatchUpstream" } },
      })),
    );
    expect(kargoDuration(7 * 86400)).toBe("168h0m0s");
    expect(kargoDuration(90)).toBe("1m30s");
    expect(kargoDuration(30)).toBe("30s");
    expect(kargoDuration(0)).toBe("0s");
  });

  it("observes with a real no-op step, so the observer holds Freight and accrues soak time", () => {
    expect(find(objects, "Stage", "seen-python-3-12-slim").spec).toEqual({
      requestedFreight: [{ origin: { kind: "Warehouse", name: PYTHON_WH }, sources: { direct: true } }],
      promotionTemplate: { spec: { steps: [{ uses: "compose-output", as: "observed", config: { freight: "${{ ctx.targetFreight.name }}" } }] } },
    });
  });

  it("dispatches the image's workflow behind the baseline guard, follows the run, and records the origin as seen", () => {
    const steps = stepsOf("rebuild-backstage");
    expect(steps.map((st) => `${st.uses}:${st.as}`)).toEqual(["http:dispatch", "set-metadata:seen", "http:build"]);
    const [dispatch, seen, build] = steps;
    expect(dispatch).toEqual({
      uses: "http",
      as: "dispatch",
      if: DISPATCH_GUARD,
      retry: { timeout: "12h0m0s", errorThreshold: 500 },
      config: {
        method: "POST",
        url: "https://api.github.com/repos/acme/platform/actions/workflows/backstage.yml/dispatches",
        headers: [
          { name: "Accept", value: "application/vnd.github+json" },
          { name: "Authorization", value: "Bearer ${{ secret('github-credentials').password }}" },
          { name: "X-GitHub-Api-Version", value: "2022-11-28" },
          { name: "Content-Type", value: "application/json" },
        ],
        body: '${% quote({"ref": "main", "inputs": {"version_bump": "patch", "triggered_by": "kargo-base-image-update", "base_image": "docker.io/library/node:22-bookworm-slim"}, "return_run_details": true}) %}',
        timeout: "30s",
        pollInterval: "1m",
        successExpression: "response.status == 200 || response.status == 204",
        failureExpression: FINAL_CLIENT_ERROR,
        errorExpression: '(response.body?.message ?? ("HTTP " + string(response.status)))',
        outputs: [
          { name: "runId", fromExpression: 'response.status == 200 && response.body?.workflow_run_id != nil ? string(int(response.body.workflow_run_id)) : ""' },
          { name: "runUrl", fromExpression: 'response.status == 200 ? (response.body?.html_url ?? "") : ""' },
        ],
      },
    });
    expect(build).toMatchObject({
      uses: "http",
      as: "build",
      if: '${{ (outputs.dispatch?.runId ?? "") != "" }}',
      retry: { timeout: "12h0m0s", errorThreshold: 500 },
      config: { method: "GET", url: "https://api.github.com/repos/acme/platform/actions/runs/${{ outputs.dispatch.runId }}", pollInterval: "2m" },
    });
    expect(seen).toEqual({
      uses: "set-metadata",
      as: "seen",
      if: "${{ status('dispatch') != 'Errored' }}",
      config: {
        updates: [
          {
            kind: "Stage",
            name: "${{ ctx.stage }}",
            values: {
              [`seen-${NODE_WH}`]: `\${{ quote(ctx.targetFreight.origin.name == "${NODE_WH}" ? ctx.targetFreight.name : ((stageMetadata(ctx.stage) ?? {})["seen-${NODE_WH}"] ?? "")) }}`,
            },
          },
        ],
      },
    });
    // Every rebuild Stage of the example has the same three steps, and the guard on its dispatch.
    for (const image of IMAGES) {
      const all = stepsOf(`rebuild-${image}`);
      expect(all.map((st) => st.as), image).toEqual(["dispatch", "seen", "build"]);
      expect(all[0].if, image).toBe(DISPATCH_GUARD);
      expect(Object.keys(all[1].config.updates[0].values).sort(), image).toEqual(
        (find(objects, "Stage", `rebuild-${image}`).spec.requestedFreight as Array<{ origin: { name: string } }>).map((r) => `seen-${r.origin.name}`).sort(),
      );
    }
  });

  it("can leave runs unfollowed (a GitHub Enterprise Server that rejects return_run_details) and talk to another API", () => {
    const ghes = planKargo(estate, { ...options, followRuns: false, githubApiUrl: "https://github.acme.internal/api/v3" });
    const steps = find(ghes.objects, "Stage", "rebuild-uv").spec.promotionTemplate.spec.steps as Step[];
    expect(steps.map((st) => st.as)).toEqual(["dispatch", "seen"]);
    expect(steps[0].config.url).toBe("https://github.acme.internal/api/v3/repos/acme/platform/actions/workflows/image-factory-build.yml/dispatches");
    expect(steps[0].config.successExpression).toBe("response.status == 204");
    expect(steps[0].config.outputs).toBeUndefined();
    expect(steps[0].config.body).not.toContain("return_run_details");
    const analyze = find(ghes.objects, "Stage", "analyze-acme-platform-main").spec.promotionTemplate.spec.steps as Step[];
    expect(analyze[0].config.url).toBe("https://github.acme.internal/api/v3/repos/acme/image-factory/actions/workflows/analyze.yml/dispatches");
  });

  it("sends exactly the declared inputs, naming the base that moved and its digest", () => {
    for (const node of estate.images) {
      const stage = find(objects, "Stage", `rebuild-${node.spec.name}`);
      const [step] = stage.spec.promotionTemplate.spec.steps as Step[];
      for (const { origin } of stage.spec.requestedFreight as Array<{ origin: { name: string } }>) {
        const freight = collection();
        const env = promotionEnv({ stage: stage.metadata.name, collection: freight, target: origin.name, secrets: { "github-credentials": { password: "t0ken" } } });
        const config = evaluateConfig(step.config, env) as { body: string; headers: Array<{ name: string; value: string }> };
        expect(typeof config.body, "the body stays a string").toBe("string");
        const body = JSON.parse(config.body) as { ref: string; inputs: Record<string, string>; return_run_details: boolean };
        expect(body.ref).toBe(node.spec.source.branch);
        expect(body.return_run_details).toBe(true);
        expect(Object.keys(body.inputs).sort(), node.spec.name).toEqual([...workflowDispatchInputs(node.spec)].sort());
        const moved = freight[origin.name][0];
        const expected: Record<string, string> = {
          image: node.spec.name,
          dry_run: "false",
          version_bump: node.spec.versionBump,
          triggered_by: "kargo-base-image-update",
          base_image: `${moved.RepoURL}:${moved.Tag}`,
          base_digest: moved.Digest,
        };
        for (const [k, v] of Object.entries(body.inputs)) expect(v, `${node.spec.name} ${k} when ${origin.name} moves`).toBe(expected[k]);
        expect(config.headers.find((h) => h.name === "Authorization")!.value).toBe("Bearer t0ken");
      }
    }
    // The generated workflows take the image and every dispatch input; e2e-runner's own takes only version_bump.
    expect(workflowDispatchInputs(estate.images.find((i) => i.spec.name === "uv")!.spec)).toEqual(["image", ...DISPATCH_INPUTS]);
    expect(bodyInputs(stepsOf("rebuild-e2e-runner")[0].config.body)).toEqual({ ref: "main", inputs: ["version_bump"] });
  });

  it("names the moved base even when another origin's Freight has not reached the Stage yet", () => {
    const [step] = stepsOf("rebuild-uv");
    const freight = collection();
    delete freight[PYTHON_WH];
    const body = JSON.parse(evaluateTemplate(step.config.body, promotionEnv({ stage: "rebuild-uv", collection: freight, target: DISTROLESS_WH })) as string);
    expect(body.inputs).toEqual({
      image: "uv",
      dry_run: "false",
      version_bump: "patch",
      triggered_by: "kargo-base-image-update",
      base_image: "gcr.io/distroless/python3-debian12:nonroot",
      base_digest: freight[DISTROLESS_WH][0].Digest,
    });
  });

  it("rebuilds an image built FROM a managed image when that image publishes, naming the new version", () => {
    expect(find(objects, "Stage", "seen-image-python-base").spec.requestedFreight).toEqual([{ origin: { kind: "Warehouse", name: "image-python-base" }, sources: { direct: true } }]);
    const [step] = stepsOf("rebuild-metrics-service");
    const body = JSON.parse(evaluateTemplate(step.config.body, promotionEnv({ stage: "rebuild-metrics-service", collection: collection(), target: "image-python-base" })) as string);
    expect(body.inputs.base_image).toBe("ghcr.io/acme/python-base:1.4.2");
    expect(body.inputs.base_digest).toBe(collection()["image-python-base"][0].Digest);
  });

  it("dispatches the factory's analyze workflow once per source repository when a build context changes", () => {
    const stage = find(objects, "Stage", "analyze-acme-platform-main");
    expect(stage.spec.requestedFreight).toEqual([{ origin: { kind: "Warehouse", name: "source-acme-platform-main" }, sources: { direct: true } }]);
    const [step] = stage.spec.promotionTemplate.spec.steps as Step[];
    expect(step.config.url).toBe("https://api.github.com/repos/acme/image-factory/actions/workflows/analyze.yml/dispatches");
    const commits = { "source-acme-platform-main": [{ RepoURL: "https://github.com/acme/platform.git", ID: "c0ffee" }] };
    const body = JSON.parse(evaluateTemplate(step.config.body, promotionEnv({ stage: stage.metadata.name, collection: collection(), commits, target: "source-acme-platform-main" })) as string);
    expect(body).toEqual({ ref: "main", inputs: { repo: "acme/platform", commit: "c0ffee" } });
    // No commit in the Freight (never the case for a git Freight, but never an error either).
    const none = JSON.parse(evaluateTemplate(step.config.body, promotionEnv({ stage: stage.metadata.name, collection: collection(), target: "source-acme-platform-main" })) as string);
    expect(none.inputs).toEqual({ repo: "acme/platform", commit: "" });
    expect(planKargo(estate, { project: "p" }).objects.some((o) => /^(analyze|source)-/.test(o.metadata.name))).toBe(false);
    const custom = planKargo(estate, { project: "p", factoryRepo: "o/f", factoryBranch: "trunk", analyzeWorkflow: "lock.yml" });
    const customStep = (find(custom.objects, "Stage", "analyze-acme-platform-main").spec.promotionTemplate.spec.steps as Step[])[0];
    expect(customStep.config.url).toBe("https://api.github.com/repos/o/f/actions/workflows/lock.yml/dispatches");
    expect(bodyInputs(customStep.config.body).ref).toBe("trunk");
    // Analysis ends in a pull request: it is not dispatched for images of other branches twice.
    const branches = handEstate();
    branches.images[0].spec.source.branch = "release";
    const split = planKargo(branches, options).objects.filter((o) => o.metadata.name.startsWith("source-")).map((o) => o.metadata.name);
    expect(split).toEqual(["source-acme-data-tools-main", "source-acme-platform-main", "source-acme-platform-release"]);
  });

  it("opens a pull request per update, and only when the update changed something", () => {
    const steps = stepsOf("update-metrics-service");
    expect(steps.map((s) => `${s.uses}:${s.as}`)).toEqual([
      "git-clone:clone-0", "kustomize-set-image:set-image-0", "git-commit:commit-0", "git-push:push-0", "git-open-pr:open-pr-0",
      "git-clone:clone-1", "yaml-update:set-value-1", "git-commit:commit-1", "git-push:push-1", "git-open-pr:open-pr-1",
    ]);
    expect(steps[0].config).toEqual({ repoURL: "https://github.com/acme/data-tools.git", checkout: [{ branch: "main", path: "./update-0", as: "target" }] });
    expect(steps[5].config.repoURL).toBe("https://github.com/acme/platform.git");
    expect(steps[3].config).toEqual({ path: "./update-0", generateTargetBranch: true });
    expect(steps[4].config).toMatchObject({ repoURL: "https://github.com/acme/data-tools.git", targetBranch: "main" });

    const env = (commit: string) =>
      promotionEnv({
        stage: "update-metrics-service",
        collection: collection(),
        target: "image-metrics-service",
        outputs: { "clone-0": { commits: { target: "aaa" } }, "commit-0": { commit }, "push-0": { branch: "kargo/promotion/promo-1" } },
      });
    // The tag stays a string (1.10.0 here; a tag like 1.10 would otherwise become the number 1.1).
    expect(evaluateConfig(steps[1].config, env("bbb"))).toEqual({
      path: "./update-0/deploy/metrics-service",
      images: [{ image: "ghcr.io/acme/data-tools/metrics-service", tag: "1.10.0" }],
    });
    // yaml-update sets the key to the new tag (not the whole reference).
    expect(evaluateConfig(steps[6].config, env("bbb"))).toEqual({ path: "./update-1/charts/metrics/values.yaml", updates: [{ key: "image.tag", value: "1.10.0" }] });
    expect(evaluateConfig(steps[2].config, env("bbb"))).toEqual({ path: "./update-0", message: "Update ghcr.io/acme/data-tools/metrics-service to 1.10.0" });
    expect(evaluateConfig(steps[4].config, env("bbb"))).toMatchObject({ sourceBranch: "kargo/promotion/promo-1", title: "Update ghcr.io/acme/data-tools/metrics-service to 1.10.0" });
    // Push and PR run only when the commit step made a commit on top of the cloned branch.
    for (const s of [steps[3], steps[4]]) {
      expect(evaluateTemplate(s.if!, env("bbb"))).toBe(true);
      expect(evaluateTemplate(s.if!, env("aaa"))).toBe(false);
    }
    const tagLike = evaluateConfig(steps[1].config, promotionEnv({ stage: "u", collection: collection({ "image-metrics-service": [{ RepoURL: "ghcr.io/acme/data-tools/metrics-service", Tag: "1.10", Digest: "sha256:1" }] }), target: "image-metrics-service" }));
    expect((tagLike as any).images[0].tag).toBe("1.10");
  });

  it("points kustomize-set-image at the kustomization's folder", () => {
    expect(kustomizationDir("deploy/metrics-service")).toBe("deploy/metrics-service");
    expect(kustomizationDir("deploy/kustomization.yaml")).toBe("deploy");
    expect(kustomizationDir("kustomization.yml")).toBe(".");
  });

  it("needs git credentials for exactly the repositories Kargo's git steps and source Warehouses use", () => {
    expect(plan.gitRepos).toEqual(["acme/data-tools", "acme/platform"]);
    // Without analysis, only the update targets.
    const noAnalysis = planKargo({ ...estate, images: estate.images.map((i) => (i.spec.name === "metrics-service" ? i : { ...i, spec: { ...i.spec, updates: [] } })) }, { project: "p" });
    expect(noAnalysis.gitRepos).toEqual(["acme/data-tools", "acme/platform"]);
    const onlySources = planKargo({ ...estate, images: estate.images.map((i) => ({ ...i, spec: { ...i.spec, updates: [] } })) }, { project: "p" });
    expect(onlySources.gitRepos).toEqual([]);
  });

  it("is deterministic", () => {
    expect(JSON.stringify(planKargo(handEstate(), options).objects)).toBe(JSON.stringify(objects));
  });
});

// ---------------------------------------------------------------------------------------------

function syntheticEstate(images: number, basesPerImage: number, distinctBases: number): Estate {
  const bases: WatchedBase[] = Array.from({ length: distinctBases }, (_, b) => ({
    key: `docker.io/library/base${b}:1`,
    registry: "docker.io",
    repoURL: `docker.io/library/base${b}`,
    tag: "1",
    tagPolicy: "digest",
    declared: false,
    dependents: [],
  }));
  const nodes: ImageNode[] = Array.from({ length: images }, (_, i) => {
    const triggers = Array.from({ length: basesPerImage }, (_, j) => {
      const b = bases[(i + j) % distinctBases];
      return { source: { kind: "base" as const, key: b.key }, reference: `${b.repoURL}:1`, runtime: true };
    });
    return {
      spec: {
        name: `img${i}`, registry: "ghcr.io", repository: `acme/img${i}`, rebuildDelay: "1d", autoRebuild: true, buildArgs: {}, platforms: ["linux/amd64"],
        versionBump: "patch", updates: [], rebuildOn: "all", ignoreBases: [], scan: false,
        source: { repo: "acme/app", branch: "main", dockerfile: `img${i}/Dockerfile`, provider: "github", context: `img${i}`, generatedWorkflow: false, workflow: `img${i}.yml`, workflowInputs: ["version_bump"] },
      },
      repoURL: `ghcr.io/acme/img${i}`,
      bases: [],
      triggers,
    };
  });
  return { images: nodes, bases, unwatched: [] };
}

describe("bases followed by tag", () => {
  const e = syntheticEstate(2, 1, 2);
  e.bases[0] = { ...e.bases[0], tagPolicy: "semver", constraint: "^22.0.0" };
  e.bases[1] = { ...e.bases[1], tagPolicy: "lexical", constraint: "^v\\d+$" };
  const out = planKargo(e, { project: "p" }).objects;

  it("selects by SemVer with the constraint, or Lexical with allowTagsRegexes", () => {
    expect(find(out, "Warehouse", "base-base0-1").spec.subscriptions[0].image).toEqual({
      repoURL: "docker.io/library/base0", imageSelectionStrategy: "SemVer", constraint: "^22.0.0", strictSemvers: true, discoveryLimit: 1,
    });
    expect(find(out, "Warehouse", "base-base1-1").spec.subscriptions[0].image).toEqual({
      repoURL: "docker.io/library/base1", imageSelectionStrategy: "Lexical", allowTagsRegexes: ["^v\\d+$"], strictSemvers: true, discoveryLimit: 1,
    });
  });

  it("names the new tag the Freight carries, not the tag the Dockerfile once had", () => {
    const body = (find(out, "Stage", "rebuild-img0").spec.promotionTemplate.spec.steps as Step[])[0].config.body;
    const env = promotionEnv({ stage: "rebuild-img0", collection: { "base-base0-1": [{ RepoURL: "docker.io/library/base0", Tag: "22.4.1", Digest: "sha256:9" }] }, target: "base-base0-1" });
    expect(JSON.parse(evaluateTemplate(body, env) as string)).toEqual({ ref: "main", inputs: { version_bump: "patch" }, return_run_details: true });
    e.images[0].spec.source.workflowInputs = ["base_image", "base_digest"];
    const body2 = (find(planKargo(e, { project: "p" }).objects, "Stage", "rebuild-img0").spec.promotionTemplate.spec.steps as Step[])[0].config.body;
    expect(JSON.parse(evaluateTemplate(body2, env) as string).inputs).toEqual({ base_image: "docker.io/library/base0:22.4.1", base_digest: "sha256:9" });
  });
});

describe("scale of the Kargo estate", () => {
  it("grows with images + distinct bases + source repositories, not with image–base pairs", () => {
    const count = (i: number, perImage: number, b: number, factoryRepo?: string) => planKargo(syntheticEstate(i, perImage, b), { project: "p", factoryRepo }).objects.length;
    for (const [i, per, b] of [[10, 1, 5], [10, 5, 5], [40, 10, 20], [40, 20, 20], [7, 3, 3]]) {
      // Project + ProjectConfig + 2 per base (Warehouse, observer) + 1 per image (its rebuild
      // Stage: nothing follows these images' versions, so they get no Warehouse)…
      expect(count(i, per, b)).toBe(2 + 2 * b + i);
      // …+ 2 for their one source repository (source Warehouse, analyze Stage).
      expect(count(i, per, b, "acme/f")).toBe(2 + 2 * b + i + 2);
    }
    expect(count(40, 20, 20)).toBe(count(40, 1, 20));
    // A parent adds its Warehouse and observer; an image with updates its Warehouse and update Stage.
    const e = syntheticEstate(4, 1, 2);
    e.images[1].triggers.push({ source: { kind: "image", name: "img0" }, reference: "ghcr.io/acme/img0:latest", runtime: true });
    e.images[2].spec.updates = [{ repo: "acme/deploy", path: "apps/x", type: "kustomize-set-image", branch: "main" }];
    expect(planKargo(e, { project: "p" }).objects.length).toBe(2 + 2 * 2 + 4 + 2 + 2);
  });
});

describe("names", () => {
  it("are DNS-1123 labels of at most 63 characters, stable and distinct, however long the inputs", () => {
    const long = "a".repeat(60);
    const e = syntheticEstate(3, 1, 3);
    e.bases = e.bases.map((b, i) => ({ ...b, key: `registry.example.com:5000/${long}/${long}/x${i}:${"t".repeat(100)}`, registry: "registry.example.com:5000", repoURL: `registry.example.com:5000/${long}/${long}/x${i}` }));
    e.images.forEach((n, i) => {
      n.spec.name = `${"b".repeat(60)}${i}`;
      n.triggers = [{ source: { kind: "base", key: e.bases[i].key }, reference: "x", runtime: true }];
    });
    // A managed parent with a long name, so its observer is named too.
    e.images[2].triggers.push({ source: { kind: "image", name: e.images[1].spec.name }, reference: "y", runtime: true });
    const out = planKargo(e, { project: "p", factoryRepo: "acme/f" }).objects;
    const all = out.map((o) => o.metadata.name);
    for (const n of all) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(all.some((n) => n.startsWith("seen-image-"))).toBe(true);
    const perKind = out.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(perKind).size).toBe(perKind.length);
    expect(planKargo(e, { project: "p", factoryRepo: "acme/f" }).objects.map((o) => o.metadata.name)).toEqual(all);
    // Stable: the same full name always shortens the same way; different ones differently.
    expect(kubeName("rebuild", "x".repeat(100))).toBe(kubeName("rebuild", "x".repeat(100)));
    expect(kubeName("rebuild", "x".repeat(100))).toMatch(/^rebuild-x+-[0-9a-f]{8}$/);
    expect(kubeName("rebuild", "x".repeat(100))).not.toBe(kubeName("rebuild", "x".repeat(101)));
    expect(kubeName("base", "docker.io/library/node:22")).toBe("base-docker-io-library-node-22");
  });

  it("keeps bases apart whose readable names would collide", () => {
    const e = syntheticEstate(1, 1, 2);
    e.bases[0] = { ...e.bases[0], key: "a.b/c:1", registry: "a.b", repoURL: "a.b/c" };
    e.bases[1] = { ...e.bases[1], key: "a-b/c:1", registry: "a-b", repoURL: "a-b/c" };
    e.images[0].triggers = [
      { source: { kind: "base", key: "a.b/c:1" }, reference: "a.b/c:1", runtime: true },
      { source: { kind: "base", key: "a-b/c:1" }, reference: "a-b/c:1", runtime: true },
    ];
    const out = planKargo(e, { project: "p" }).objects;
    const warehouses = out.filter((o) => o.kind === "Warehouse" && o.metadata.name.startsWith("base-")).map((o) => o.metadata.name);
    expect(warehouses).toHaveLength(2);
    expect(new Set(warehouses).size).toBe(2);
    for (const w of warehouses) expect(w).toMatch(/^base-a-b-c-1-[0-9a-f]{8}$/);
    expect(find(out, "Stage", "rebuild-img0").spec.requestedFreight).toHaveLength(2);
  });

  it("reports two objects that would still share a name as a UserError", () => {
    // Docker Hub's `image/x:latest` reads `image-x-latest`; a managed parent named `x-latest` has
    // an observer named `seen-image-x-latest` too.
    const e = syntheticEstate(2, 1, 1);
    e.bases[0] = { ...e.bases[0], key: "docker.io/image/x:latest", repoURL: "docker.io/image/x", tag: "latest" };
    e.images[0].spec.name = "x-latest";
    e.images[0].triggers = [{ source: { kind: "base", key: "docker.io/image/x:latest" }, reference: "docker.io/image/x:latest", runtime: true }];
    e.images[1].triggers = [{ source: { kind: "image", name: "x-latest" }, reference: "ghcr.io/acme/img0:latest", runtime: true }];
    let error: unknown;
    try {
      planKargo(e, { project: "p" });
    } catch (err) {
      error = err;
    }
    expect(isUserError(error)).toBe(true);
    expect(String((error as Error).message)).toContain("Kargo Stage seen-image-x-latest");
  });
});

describe("what Kargo would reject at apply time", () => {
  const attempt = (e: Estate, factoryRepo?: string): unknown => {
    try {
      planKargo(e, { project: "p", factoryRepo, imagesFile: "estate/images.yaml" });
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it("reports a repository Kargo cannot watch, and a branch its git subscriptions refuse, as UserErrors", () => {
    const e = syntheticEstate(2, 1, 1);
    e.images[0].repoURL = "ghcr.io/acme/my--image";
    e.bases[0] = { ...e.bases[0], repoURL: "docker.io/a__b--c" };
    const error = attempt(e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain('estate/images.yaml: image "img0": repository: ghcr.io/acme/my--image is not a repository Kargo can watch');
    expect((error as Error).message).toContain("docker.io/a__b--c");

    const branch = syntheticEstate(1, 1, 1);
    branch.images[0].spec.source.branch = "feature+x";
    // Only the source Warehouses (analysis) subscribe to the branch.
    expect(attempt(branch)).toBeUndefined();
    expect((attempt(branch, "acme/f") as Error).message).toContain('image "img0": source.branch');
  });
});

describe("registry polling", () => {
  it("keeps anonymous Docker Hub polling under its default budget (10 requests/hour) as bases are added", () => {
    for (const n of [1, 10, 30, 100]) {
      const [hub] = registryPolling(syntheticEstate(0, 0, n), {});
      expect(hub.registry).toBe("docker.io");
      expect(hub.authenticated).toBe(false);
      expect(hub.budget).toBe(10);
      expect(hub.requestsPerHour).toBeLessThanOrEqual(20);
      expect(hub.requestsPerHour).toBeLessThan(hub.limit!);
      expect(hub.overBudget).toBe(false);
    }
    // 2 bases: the hourly floor, 4 requests/hour. 100 bases × 2 requests in 10/hour: every 20 hours.
    expect(registryPolling(syntheticEstate(0, 0, 2), {})[0]).toMatchObject({ interval: "1h", requestsPerHour: 4 });
    expect(registryPolling(syntheticEstate(0, 0, 30), {})[0]).toMatchObject({ interval: "6h", requestsPerHour: 10 });
    expect(registryPolling(syntheticEstate(0, 0, 100), {})[0]).toMatchObject({ interval: "20h", requestsPerHour: 10 });
    // The anonymous limit: 100 pulls per 6 hours per IP address.
    expect(registryPolling(syntheticEstate(0, 0, 1), {})[0].limit).toBe(16.67);
  });

  it("doubles Docker Hub's default budget when Kargo polls it with credentials", () => {
    const authenticated = { "docker.io": { authenticated: true } };
    expect(registryPolling(syntheticEstate(0, 0, 30), authenticated)[0]).toMatchObject({ authenticated: true, budget: 20, limit: 33.33, interval: "3h", requestsPerHour: 20 });
    expect(registryPolling(syntheticEstate(0, 0, 100), authenticated)[0]).toMatchObject({ interval: "10h", requestsPerHour: 20, overBudget: false });
  });

  it("honours a configured interval and budget, and says when it is over", () => {
    const [hub] = registryPolling(syntheticEstate(0, 0, 10), { "docker.io": { interval: "5m" } });
    expect(hub).toMatchObject({ interval: "5m", requestsPerHour: 240, budget: 10, overBudget: true });
    expect(registryPolling(syntheticEstate(0, 0, 10), { "docker.io": { pullsPerHour: 200 } })[0].interval).toBe("1h");
    expect(registryPolling(syntheticEstate(0, 0, 40), { "docker.io": { pullsPerHour: 40 } })[0]).toMatchObject({ interval: "2h", requestsPerHour: 40, overBudget: false });
  });

  it("leaves the budget of bases with their own interval out of the shared interval", () => {
    const e = syntheticEstate(0, 0, 12);
    // Two bases poll every 30 minutes on their own: 8 of the (authenticated) 20 requests/hour.
    e.bases[0].interval = "30m";
    e.bases[1].interval = "30m";
    const [hub] = registryPolling(e, { "docker.io": { authenticated: true } });
    // The other 10 share 12 requests/hour: 10 × 2 / 12 h = 100 min → rounded up to 2 hours.
    expect(hub).toMatchObject({ interval: "2h", requestsPerHour: 18, overBudget: false, ownIntervals: ["30m"], atRegistryInterval: 10 });
    const out = planKargo({ ...e, images: [] }, { project: "p", registries: { "docker.io": { authenticated: true } } }).objects;
    expect(find(out, "Warehouse", "base-base0-1").spec.interval).toBe("30m0s");
    expect(find(out, "Warehouse", "base-base5-1").spec.interval).toBe("2h0m0s");
  });

  it("polls the example's registries as planned", () => {
    expect(plan.polling.map((p) => [p.registry, p.subscriptions, p.interval, p.requestsPerHour])).toEqual([
      // node:22-bookworm-slim polls every 6 hours of its own, python:3.12-slim hourly.
      ["docker.io", 2, "1h", 2.33],
      ["gcr.io", 1, "1h", 0.17],
      // uv's base and the three images something follows (python-base, metrics-service, report-worker).
      ["ghcr.io", 4, "10m", 48],
      ["mcr.microsoft.com", 1, "1h", 2],
    ]);
    // gcr.io's only Warehouse (distroless) polls at its declared 12h, not at the registry's 1h.
    expect(plan.polling.find((p) => p.registry === "gcr.io")).toMatchObject({ ownIntervals: ["12h"], atRegistryInterval: 0 });
  });
});
