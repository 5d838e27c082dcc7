// The plan's "Security scans" section: which builds scan before pushing and with what gate,
// which do not (scan: false, with a warning), and which scan in a workflow of their own.
import { describe, expect, it } from "vitest";
import { formatMarkdown } from "../../src/plan/format";
import { buildPlan } from "../../src/plan/plan";
import { base, image } from "./fixtures";

const settings = {
  registries: {},
  delivery: { mode: "direct" as const, branch: "main", path: "kargo", argocd: { name: "a", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" } },
  github: { factoryBranch: "main", analyzeWorkflow: "analyze.yml", manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } },
};
const render = { project: "p", stack: "prod", resources: [], files: new Map<string, string>(), logs: [], notes: [] };
const node = "docker.io/library/node:22";

describe("plan: security scans", () => {
  const estate = {
    images: [
      image("api", [{ base: node }]),
      image("worker", [{ base: node }], { scan: { failOn: ["HIGH", "CRITICAL"], ignoreUnfixed: false } }),
      image("legacy", [{ base: node }], { scan: false }),
      image("own", [{ base: node }], { source: { repo: "acme/mono", dockerfile: "own/Dockerfile", workflow: "own.yml" } }),
    ],
    bases: [base(node, ["api", "legacy", "own", "worker"])],
    unwatched: [],
  };
  const plan = buildPlan({ render, estate, settings, imagesFile: { file: "images.yaml", images: 4 } });
  const md = formatMarkdown(plan);

  it("groups the scanned builds by their gate, and lists the unscanned and own-workflow images apart", () => {
    expect(plan.scans).toEqual({
      scanned: [
        { failOn: ["CRITICAL"], ignoreUnfixed: true, images: ["api"] },
        { failOn: ["HIGH", "CRITICAL"], ignoreUnfixed: false, images: ["worker"] },
      ],
      off: ["legacy"],
      ownWorkflow: ["own"],
    });
    expect(md).toContain("- scanned before the push (Trivy), fails on CRITICAL, unfixed findings left out: api\n");
    expect(md).toContain("- scanned before the push (Trivy), fails on HIGH, CRITICAL, unfixed findings included: worker\n");
    expect(md).toContain("- not scanned (`scan: false`): legacy\n");
    expect(md).toContain("- built by a workflow of their own, which does any scanning: own\n");
  });

  it("says every platform is scanned, and warns about a generated build that is not scanned at all", () => {
    expect(md).toContain("Each generated build scans every platform of what it pushes");
    expect(plan.warnings).toContain("image legacy: scan is false, so its builds push without a vulnerability scan");
  });
});
