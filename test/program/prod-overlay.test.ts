// The prod stack as the program declares it: stacks/prod.yaml narrows and slows the estate, and
// the estate revision is still the one dev exports for the same commit.
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { beforeAll, expect, it } from "vitest";
import { readLock } from "../../src/analysis/lock";
import { loadImagesFile } from "../../src/config/images";
import { windowExpression } from "../../src/kargo/windows";
import { estateRevision, programFingerprint } from "../../src/promotion";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { readProjectFile, readStackValues } from "../../src/render/stack-files";

const ROOT = path.resolve(__dirname, "..", "..");
let resources: RecordedResource[];
let outputs: Record<string, unknown>;
let devRevision: string;

beforeAll(async () => {
  const values = readStackValues(readProjectFile(ROOT), { projectDir: ROOT, stack: "prod" });
  const { defineImageFactory } = await import("../../src/program");
  devRevision = estateRevision({
    imagesFile: loadImagesFile(path.join(ROOT, "examples/estate/images.yaml")),
    lock: readLock(path.join(ROOT, "examples/estate")),
    program: programFingerprint(ROOT),
  });
  ({ resources, outputs } = await runUnderMocks({
    project: "image-factory",
    stack: "prod",
    config: values.config,
    secretKeys: values.secretKeys,
    // dev has applied this commit: the guard lets `up` through.
    stackOutputs: {
      "acme/image-factory/dev": { estateRevision: devRevision },
    },
    program: () => defineImageFactory({ projectDir: ROOT }),
  }));
});

/** The Kargo objects prod commits for Argo CD, across its manifest files. */
function manifests(): Array<{ kind: string; metadata: { name: string }; spec?: Record<string, unknown> }> {
  const files = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile" && String(r.inputs.file).startsWith("clusters/prod/kargo/"));
  return files.flatMap((file) => parseAllDocuments(String(file.inputs.content)).map((d) => d.toJS()));
}

it("enrolls what stacks/prod.yaml enrolls: every image but e2e-runner", () => {
  expect(outputs.images).toEqual(expect.arrayContaining(["backstage", "uv", "python-base", "metrics-service", "report-worker"]));
  expect(outputs.images).not.toContain("e2e-runner");
  const names = manifests().map((o) => o.metadata.name);
  expect(names).toContain("rebuild-uv");
  expect(names.filter((n) => n.includes("e2e-runner"))).toEqual([]);
  // Its base (playwright) is used by no enrolled image, so prod does not watch it.
  expect((outputs.bases as string[]).some((b) => b.includes("playwright"))).toBe(false);
});

it("waits prod's rebuildDelay overrides out and polls at prod's intervals", () => {
  const stage = (name: string) => manifests().find((o) => o.kind === "Stage" && o.metadata.name === name)!;
  const soak = (name: string) => JSON.stringify(stage(name).spec).match(/"requiredSoakTime":"([^"]+)"/)?.[1];
  expect(soak("rebuild-report-worker")).toBe("48h0m0s"); // images.yaml: 0d; prod: 2d
  expect(soak("rebuild-uv")).toBe("120h0m0s"); // images.yaml: 3d; prod: 5d
  expect(soak("rebuild-python-base")).toBe("24h0m0s"); // not overridden
  const warehouse = (name: string) => manifests().find((o) => o.kind === "Warehouse" && o.metadata.name === name)!;
  expect(warehouse("base-python-3-12-slim").spec!.interval).toBe("6h0m0s");
});

it("waits for prod's rebuild window (stacks/prod.yaml defaults) in every rebuild Stage, before the dispatch", () => {
  const rebuilds = manifests().filter((o) => o.kind === "Stage" && o.metadata.name.startsWith("rebuild-"));
  expect(rebuilds.length).toBeGreaterThan(0);
  for (const stage of rebuilds) {
    const steps = (stage.spec as { promotionTemplate: { spec: { steps: Array<{ as: string; config: Record<string, unknown> }> } } }).promotionTemplate.spec.steps;
    expect(steps.map((s) => s.as).slice(0, 2)).toEqual(["window", "dispatch"]);
    expect(steps[0].config.successExpression).toBe(windowExpression({ days: ["sat", "sun"], from: "01:00", to: "05:00", timeZone: "Europe/London" }));
  }
});

it("exports the estate revision dev exports for the same commit (overlays are not part of it)", () => {
  expect(outputs.estateRevision).toBe(devRevision);
});

// terraform-provider-github resource_github_repository_environment.go: can_admins_bypass
// defaults to true and prevent_self_review to false, and createUpdateEnvironmentData sends both.
it("makes prod's GitHub environment an approval gate admins cannot bypass and nobody can approve for their own run", () => {
  const environments = resources.filter((r) => r.type === "github:index/repositoryEnvironment:RepositoryEnvironment");
  expect(environments).toHaveLength(1);
  expect(environments[0].inputs).toMatchObject({ environment: "prod", canAdminsBypass: false, preventSelfReview: true });
});

it("creates the Argo CD Application only after the Project's namespace its Secrets live in", () => {
  const ns = resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
  const app = resources.find((r) => r.type === "kubernetes:argoproj.io/v1alpha1:Application")!;
  expect(ns).toBeDefined();
  expect(app.dependencies).toContain(ns.urn);
});
