import { describe, expect, it } from "vitest";
import { DISPATCH_INPUTS } from "../../src/config/schema";
import { workflowDispatchInputs } from "../../src/github/workflow";
import { kubeName, planKargo, registryPolling } from "../../src/kargo";
import type { Estate, ImageNode, WatchedBase } from "../../src/model/types";
import { bodyInputs, exampleEstate, find } from "./fixtures";

const estate = exampleEstate();
const options = { project: "image-factory", factoryRepo: "acme/image-factory" };
const { objects } = planKargo(estate, options);
const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe("the example estate's Kargo objects", () => {
  it("has exactly the expected objects", () => {
    expect(names).toEqual([
      "Project/image-factory",
      "ProjectConfig/image-factory",
      "Warehouse/base-gcr-io-distroless-python3-debian12-nonroot-linux-amd64",
      "Warehouse/base-ghcr-io-astral-sh-uv-0-5",
      "Warehouse/base-mcr-microsoft-com-playwright-v1-48-0-noble",
      "Warehouse/base-node-22-bookworm-slim-linux-amd64",
      "Warehouse/base-python-3-12-slim",
      ...["backstage", "e2e-runner", "metrics-service", "python-base", "report-worker", "uv"].map((i) => `Warehouse/image-${i}`),
      ...["backstage", "e2e-runner", "metrics-service", "python-base", "report-worker", "uv"].map((i) => `Warehouse/source-${i}`),
      ...["backstage", "e2e-runner", "metrics-service", "python-base", "report-worker", "uv"].map((i) => `Stage/analyze-${i}`),
      ...["backstage", "e2e-runner", "metrics-service", "python-base", "report-worker", "uv"].map((i) => `Stage/rebuild-${i}`),
      "Stage/seen-gcr-io-distroless-python3-debian12-nonroot-linux-amd64",
      "Stage/seen-ghcr-io-astral-sh-uv-0-5",
      "Stage/seen-image-python-base",
      "Stage/seen-mcr-microsoft-com-playwright-v1-48-0-noble",
      "Stage/seen-node-22-bookworm-slim-linux-amd64",
      "Stage/seen-python-3-12-slim",
      "Stage/update-metrics-service",
    ]);
  });

  it("puts every namespaced object in the project namespace; the Project has no spec", () => {
    expect(find(objects, "Project", "image-factory")).toEqual({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Project", metadata: { name: "image-factory" } });
    for (const o of objects.filter((x) => x.kind !== "Project")) expect(o.metadata.namespace).toBe("image-factory");
  });

  it("auto-promotes exactly the Stages that must run by themselves, all of which exist", () => {
    const policies = find(objects, "ProjectConfig", "image-factory").spec.promotionPolicies as Array<{ stageSelector: { name: string }; autoPromotionEnabled: boolean }>;
    const auto = policies.map((p) => p.stageSelector.name);
    const stages = objects.filter((o) => o.kind === "Stage").map((o) => o.metadata.name);
    for (const name of auto) expect(stages).toContain(name);
    expect(policies.every((p) => p.autoPromotionEnabled)).toBe(true);
    // e2e-runner has autoRebuild: false: a person promotes it.
    expect(auto).not.toContain("rebuild-e2e-runner");
    expect(stages).toContain("rebuild-e2e-runner");
    for (const image of ["backstage", "metrics-service", "python-base", "report-worker", "uv"]) expect(auto).toContain(`rebuild-${image}`);
    // The observers every rebuild waits on run by themselves.
    for (const s of stages.filter((n) => n.startsWith("seen-"))) expect(auto).toContain(s);
    expect(new Set(auto).size).toBe(auto.length);
  });

  it("watches each distinct base once, by the digest of its tag, with current field names only", () => {
    const node = find(objects, "Warehouse", "base-node-22-bookworm-slim-linux-amd64");
    expect(node.spec).toEqual({
      interval: "1h",
      freightCreationPolicy: "Automatic",
      subscriptions: [
        { image: { repoURL: "docker.io/library/node", imageSelectionStrategy: "Digest", constraint: "22-bookworm-slim", platform: "linux/amd64", strictSemvers: true, discoveryLimit: 20 } },
      ],
    });
    const text = JSON.stringify(objects);
    for (const removed of ['"allowTags"', '"semverConstraint"', '"ignoreTags"', '"tagSelectionStrategy"', '"gitRepoURL"']) expect(text).not.toContain(removed);
  });

  it("watches each managed image's published X.Y.Z tags, and its source limited to the build context", () => {
    expect(find(objects, "Warehouse", "image-uv").spec.subscriptions).toEqual([
      { image: { repoURL: "ghcr.io/acme/uv", imageSelectionStrategy: "SemVer", allowTagsRegexes: ["^\\d+\\.\\d+\\.\\d+$"], strictSemvers: true, discoveryLimit: 20 } },
    ]);
    expect(find(objects, "Warehouse", "source-backstage").spec.subscriptions).toEqual([
      {
        git: {
          repoURL: "https://github.com/acme/platform.git",
          branch: "main",
          commitSelectionStrategy: "NewestFromBranch",
          includePaths: ["backstage"],
          strictSemvers: true,
          discoveryLimit: 20,
        },
      },
    ]);
  });

  it("waits rebuildDelay, in hours, after the base was last seen to move", () => {
    const soak = (image: string) => (find(objects, "Stage", `rebuild-${image}`).spec.requestedFreight as Array<{ sources: Record<string, unknown> }>).map((r) => r.sources);
    expect(soak("backstage")).toEqual([{ stages: ["seen-node-22-bookworm-slim-linux-amd64"], requiredSoakTime: "168h" }]);
    expect(soak("metrics-service")).toEqual([{ stages: ["seen-image-python-base"], requiredSoakTime: "48h" }]);
    expect(soak("python-base")).toEqual([{ stages: ["seen-python-3-12-slim"], requiredSoakTime: "24h" }]);
    // rebuildDelay 0d: at once, no soak.
    expect(soak("report-worker")).toEqual([{ stages: ["seen-node-22-bookworm-slim-linux-amd64"] }]);
    // uv rebuilds on any of its three bases, each after 3 days.
    expect(soak("uv").map((s) => s.requiredSoakTime)).toEqual(["72h", "72h", "72h"]);
  });

  it("e2e-runner's build-only base does not trigger it (rebuildOn: runtime)", () => {
    const rf = find(objects, "Stage", "rebuild-e2e-runner").spec.requestedFreight as Array<{ origin: { name: string } }>;
    expect(rf.map((r) => r.origin.name)).toEqual(["base-mcr-microsoft-com-playwright-v1-48-0-noble"]);
  });

  it("dispatches the image's workflow with a bounded, well-formed http step", () => {
    const [step] = find(objects, "Stage", "rebuild-backstage").spec.promotionTemplate.spec.steps;
    expect(step.uses).toBe("http");
    expect(step.retry).toEqual({ timeout: "30m", errorThreshold: 3 });
    expect(step.config).toMatchObject({
      method: "POST",
      url: "https://api.github.com/repos/acme/platform/actions/workflows/backstage.yml/dispatches",
      headers: [
        { name: "Accept", value: "application/vnd.github+json" },
        { name: "Authorization", value: "Bearer ${{ secret('github-credentials').password }}" },
        { name: "X-GitHub-Api-Version", value: "2022-11-28" },
        { name: "Content-Type", value: "application/json" },
      ],
      timeout: "30s",
      successExpression: "response.status == 204",
      failureExpression: "response.status >= 400 && response.status < 500 && response.status != 429",
    });
    expect(step.config.body).toBe(
      '${% quote({"ref": "main", "inputs": {"version_bump": "patch", "triggered_by": "kargo-base-image-update", "base_image": "docker.io/library/node:22-bookworm-slim"}}) %}',
    );
  });

  it("tells the workflow which of several bases moved, and its digest", () => {
    const body: string = find(objects, "Stage", "rebuild-uv").spec.promotionTemplate.spec.steps[0].config.body;
    expect(body).toContain('"base_image": {"base-gcr-io-distroless-python3-debian12-nonroot-linux-amd64": "gcr.io/distroless/python3-debian12:nonroot", ');
    expect(body).toContain('"base-python-3-12-slim": "docker.io/library/python:3.12-slim"}[ctx.targetFreight.origin.name]');
    expect(body).toContain('"base-python-3-12-slim": (imageFrom("docker.io/library/python", warehouse("base-python-3-12-slim"))?.Digest ?? "")}[ctx.targetFreight.origin.name]');
    expect(body.startsWith("${% quote(")).toBe(true);
    expect(body.endsWith(") %}")).toBe(true);
  });

  it("rebuilds an image built FROM a managed image when that image publishes", () => {
    const body: string = find(objects, "Stage", "rebuild-metrics-service").spec.promotionTemplate.spec.steps[0].config.body;
    expect(body).toContain('"base_image": "ghcr.io/acme/python-base:" + (imageFrom("ghcr.io/acme/python-base", warehouse("image-python-base"))?.Tag ?? "")');
    expect(find(objects, "Stage", "seen-image-python-base").spec.requestedFreight).toEqual([{ origin: { kind: "Warehouse", name: "image-python-base" }, sources: { direct: true } }]);
  });

  it("on paper: every rebuild sends exactly the inputs its target workflow declares", () => {
    for (const node of estate.images) {
      const stage = find(objects, "Stage", `rebuild-${node.spec.name}`);
      const { ref, inputs } = bodyInputs(stage.spec.promotionTemplate.spec.steps[0].config.body);
      expect(ref).toBe(node.spec.source.branch);
      expect(inputs, node.spec.name).toEqual(workflowDispatchInputs(node.spec));
      expect(stage.spec.promotionTemplate.spec.steps[0].config.url).toBe(
        `https://api.github.com/repos/${node.spec.source.repo}/actions/workflows/${node.spec.source.workflow}/dispatches`,
      );
    }
    // The generated workflows take all four inputs; e2e-runner's own takes only version_bump.
    expect(workflowDispatchInputs(estate.images.find((i) => i.spec.name === "uv")!.spec)).toEqual([...DISPATCH_INPUTS]);
    expect(bodyInputs(find(objects, "Stage", "rebuild-e2e-runner").spec.promotionTemplate.spec.steps[0].config.body).inputs).toEqual(["version_bump"]);
  });

  it("dispatches the factory's analyze workflow when an image publishes or its source changes", () => {
    const stage = find(objects, "Stage", "analyze-uv");
    expect(stage.spec.requestedFreight.map((r: { origin: { name: string } }) => r.origin.name)).toEqual(["image-uv", "source-uv"]);
    const step = stage.spec.promotionTemplate.spec.steps[0];
    expect(step.config.url).toBe("https://api.github.com/repos/acme/image-factory/actions/workflows/analyze.yml/dispatches");
    expect(bodyInputs(step.config.body)).toEqual({ ref: "main", inputs: ["image", "version"] });
    expect(planKargo(estate, { project: "p" }).objects.some((o) => o.metadata.name.startsWith("analyze-"))).toBe(false);
  });

  it("opens a pull request per update with kustomize-set-image or yaml-update", () => {
    const steps = find(objects, "Stage", "update-metrics-service").spec.promotionTemplate.spec.steps as Array<{ uses: string; config: Record<string, unknown> }>;
    expect(steps.map((s) => s.uses)).toEqual([
      "git-clone", "kustomize-set-image", "git-commit", "git-push", "git-open-pr",
      "git-clone", "yaml-update", "git-commit", "git-push", "git-open-pr",
    ]);
    expect(steps[1].config).toEqual({
      path: "./update-0/deploy/metrics-service",
      images: [{ image: "ghcr.io/acme/data-tools/metrics-service", tag: '${{ quote(imageFrom("ghcr.io/acme/data-tools/metrics-service", warehouse("image-metrics-service")).Tag) }}' }],
    });
    expect(steps[6].config).toMatchObject({ path: "./update-1/charts/metrics/values.yaml", updates: [{ key: "image.tag" }] });
    expect(steps[4].config).toMatchObject({ repoURL: "https://github.com/acme/data-tools.git", sourceBranch: "${{ outputs['push-0'].branch }}", targetBranch: "main" });
  });

  it("is deterministic", () => {
    expect(JSON.stringify(planKargo(exampleEstate(), options).objects)).toBe(JSON.stringify(objects));
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
        versionBump: "patch", updates: [], rebuildOn: "all", ignoreBases: [],
        source: { repo: "acme/app", branch: "main", dockerfile: `img${i}/Dockerfile`, provider: "github", context: `img${i}`, generatedWorkflow: false, workflow: `img${i}.yml`, workflowInputs: ["version_bump"] },
      },
      repoURL: `ghcr.io/acme/img${i}`,
      bases: [],
      triggers,
    };
  });
  return { images: nodes, bases, unwatched: [] };
}

describe("scale of the Kargo estate", () => {
  it("grows with images + distinct bases, not with image–base pairs", () => {
    const count = (i: number, perImage: number, b: number) => planKargo(syntheticEstate(i, perImage, b), { project: "p" }).objects.length;
    // Project + ProjectConfig + 2 per base (Warehouse, observer) + 2 per image (Warehouse, rebuild Stage).
    for (const [i, per, b] of [[10, 1, 5], [10, 5, 5], [40, 10, 20], [40, 20, 20]]) expect(count(i, per, b)).toBe(2 + 2 * b + 2 * i);
    expect(count(40, 20, 20)).toBe(count(40, 1, 20));
  });
});

describe("names", () => {
  it("are DNS-1123 labels of at most 63 characters, stable and distinct, however long the inputs", () => {
    const long = "a".repeat(60);
    const estateWithLongNames = syntheticEstate(3, 1, 3);
    estateWithLongNames.bases = estateWithLongNames.bases.map((b, i) => ({ ...b, key: `registry.example.com:5000/${long}/${long}/x${i}:${"t".repeat(100)}`, registry: "registry.example.com:5000", repoURL: `registry.example.com:5000/${long}/${long}/x${i}` }));
    estateWithLongNames.images.forEach((n, i) => {
      n.spec.name = `${"b".repeat(60)}${i}`;
      n.triggers = [{ source: { kind: "base", key: estateWithLongNames.bases[i].key }, reference: "x", runtime: true }];
    });
    const plan = planKargo(estateWithLongNames, { project: "p", factoryRepo: "acme/f" });
    const all = plan.objects.map((o) => o.metadata.name);
    for (const n of all) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const perKind = plan.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(perKind).size).toBe(perKind.length);
    expect(planKargo(estateWithLongNames, { project: "p", factoryRepo: "acme/f" }).objects.map((o) => o.metadata.name)).toEqual(all);
    expect(kubeName("rebuild", "x".repeat(100))).toBe(kubeName("rebuild", "x".repeat(100)));
    expect(kubeName("rebuild", "x".repeat(100))).not.toBe(kubeName("rebuild", "x".repeat(101)));
  });

  it("keeps bases apart whose readable names would collide", () => {
    const e = syntheticEstate(1, 1, 2);
    e.bases[0] = { ...e.bases[0], key: "a.b/c:1", registry: "a.b", repoURL: "a.b/c" };
    e.bases[1] = { ...e.bases[1], key: "a-b/c:1", registry: "docker.io", repoURL: "docker.io/a-b/c" };
    e.images[0].triggers = [{ source: { kind: "base", key: "a.b/c:1" }, reference: "a.b/c:1", runtime: true }];
    const warehouses = planKargo(e, { project: "p" }).objects.filter((o) => o.kind === "Warehouse" && o.metadata.name.startsWith("base-"));
    expect(warehouses).toHaveLength(2);
    expect(warehouses[0].metadata.name).not.toBe(warehouses[1].metadata.name);
  });
});

describe("registry polling", () => {
  it("keeps Docker Hub under its budget as bases are added", () => {
    for (const n of [1, 10, 30, 100]) {
      const [hub] = registryPolling(syntheticEstate(0, 0, n), {});
      expect(hub.registry).toBe("docker.io");
      expect(hub.requestsPerHour).toBeLessThanOrEqual(50);
      expect(hub.overBudget).toBe(false);
    }
    // 100 bases × 2 requests per poll within 50 per hour: one poll every 4 hours.
    expect(registryPolling(syntheticEstate(0, 0, 100), {})[0].interval).toBe("4h");
  });

  it("honours a configured interval and budget, and says when it is over", () => {
    const [hub] = registryPolling(syntheticEstate(0, 0, 10), { "docker.io": { interval: "5m" } });
    expect(hub).toMatchObject({ interval: "5m", requestsPerHour: 240, budget: 50, limit: 100, overBudget: true });
    expect(registryPolling(syntheticEstate(0, 0, 10), { "docker.io": { pullsPerHour: 200 } })[0].interval).toBe("1h");
  });
});
