// What `plan` shows of promotion through environments: each image's chain, its soaks, and
// which environments wait for their pull requests to merge.
import { describe, expect, it } from "vitest";
import { completeImage, imageSchema } from "../../src/config/schema";
import { chainText, environmentChains } from "../../src/plan/environments";
import { formatMarkdown } from "../../src/plan/format";
import { buildPlan } from "../../src/plan/plan";
import { handEstate } from "../kargo/fixtures";

const settings = {
  registries: {},
  delivery: { mode: "direct" as const, branch: "main", path: "kargo", argocd: { name: "a", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" } },
  github: { factoryBranch: "main", analyzeWorkflow: "analyze.yml", manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } },
};
const render = { project: "p", stack: "prod", resources: [], files: new Map<string, string>(), logs: [], notes: [] };

describe("environmentChains", () => {
  it("lists the example's chain: staging first, prod two days after staging, staging waiting for its merge", () => {
    expect(environmentChains(handEstate(), "owner")).toEqual([
      {
        image: "report-worker",
        generatedBuild: true,
        scanned: true,
        environments: [
          { environment: "staging", stage: "update-report-worker--staging", pullRequests: 1, waitsForMerge: true },
          { environment: "prod", stage: "update-report-worker--prod", after: "staging", soak: "2d", pullRequests: 1, waitsForMerge: false },
        ],
      },
    ]);
  });

  it("is empty in a canary stack, which opens no pull requests", () => {
    expect(environmentChains(handEstate(), "canary")).toEqual([]);
  });

  it("reads as one path per branch of the chain", () => {
    const spec = completeImage(
      imageSchema.parse({
        name: "app",
        repository: "acme/app",
        source: { repo: "acme/app", workflow: "app.yml" },
        updates: [
          { repo: "a/d", path: "s", type: "kustomize-set-image", environment: "staging" },
          { repo: "a/d", path: "p", type: "kustomize-set-image", environment: "prod", after: "staging", soak: "2d" },
          { repo: "a/d", path: "q", type: "kustomize-set-image", environment: "perf", after: "staging" },
          { repo: "a/d", path: "r", type: "kustomize-set-image", environment: "dr", after: "prod", soak: "1d" },
          { repo: "a/d", path: "e", type: "kustomize-set-image", environment: "edge" },
        ],
      }),
    );
    const estate = handEstate();
    estate.images = [{ ...estate.images[0], spec, triggers: [] }];
    estate.bases = [];
    const [chain] = environmentChains(estate, "owner");
    expect(chainText(chain)).toBe("staging → prod (2d after staging) → dr (1d after prod); staging → perf; edge");
    // An image with its own workflow: the plan says what that leaves.
    expect(chain.generatedBuild).toBe(false);
    const md = formatMarkdown(buildPlan({ render, estate, settings, imagesFile: { file: "images.yaml", images: 1 } }));
    expect(md).toContain("- app: staging → prod (2d after staging) → dr (1d after prod); staging → perf; edge (built by its own workflow: what it pushes is not scanned by the factory; the chain guarantees order and soak)\n");
    // A generated build with scan: false pushes unscanned versions into the chain too.
    const unscanned = { ...spec, source: { ...spec.source, generatedWorkflow: true }, scan: false as const };
    estate.images = [{ ...estate.images[0], spec: unscanned }];
    const [off] = environmentChains(estate, "owner");
    expect(off).toMatchObject({ generatedBuild: true, scanned: false });
    expect(formatMarkdown(buildPlan({ render, estate, settings, imagesFile: { file: "images.yaml", images: 1 } }))).toContain("edge (scan: false: what it pushes is not scanned; the chain guarantees order and soak)\n");
  });
});

describe("the plan's environments section", () => {
  it("shows each chain and a table of the environment Stages in an owner stack", () => {
    const md = formatMarkdown(buildPlan({ render, estate: handEstate(), settings: { ...settings, builds: "owner" }, imagesFile: { file: "images.yaml", images: 6 } }));
    expect(md).toContain("\n### Promotion through environments\n");
    expect(md).toContain("- report-worker: staging → prod (2d after staging)\n");
    expect(md).toMatch(/\| report-worker +\| staging +\| – +\| – +\| update-report-worker--staging +\| 1 +\| yes +\|/);
    expect(md).toMatch(/\| report-worker +\| prod +\| staging +\| 2d +\| update-report-worker--prod +\| 1 +\| no +\|/);
  });

  it("is absent where no update names an environment, or in a canary", () => {
    const canary = formatMarkdown(buildPlan({ render, estate: handEstate(), settings: { ...settings, builds: "canary" }, imagesFile: { file: "images.yaml", images: 6 } }));
    expect(canary).not.toContain("Promotion through environments");
    const plain = handEstate();
    plain.images = plain.images.map((n) => ({ ...n, spec: { ...n.spec, updates: n.spec.updates.map(({ environment: _e, after: _a, soak: _s, ...u }) => u) } }));
    expect(formatMarkdown(buildPlan({ render, estate: plain, settings, imagesFile: { file: "images.yaml", images: 6 } }))).not.toContain("Promotion through environments");
  });
});
