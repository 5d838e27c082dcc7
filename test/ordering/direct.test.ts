// What a real `pulumi up` must apply first, in direct delivery: the engine orders steps by
// dependencies only, so every edge below is one the mocks record and the engine obeys.
import * as path from "node:path";
import { beforeAll, expect, it } from "vitest";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { exampleStackConfig } from "../helpers/example-stack";

const ROOT = path.resolve(__dirname, "..", "..");
let resources: RecordedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const { defineImageFactory } = await import("../../src/program");
  ({ resources, outputs } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    config: exampleStackConfig("dev", {
      // The factory repo turns on the analysis Stages and their source Warehouses.
      "image-factory:github": JSON.stringify({ owner: "acme", factoryRepo: "acme/image-factory" }),
      // Kargo logs in to GHCR (private images) and not to Docker Hub.
      "image-factory:registries": JSON.stringify({ "ghcr.io": { username: "acme-bot" } }),
      "image-factory:registryTokens": JSON.stringify({ "ghcr.io": "ghcr-token-for-tests" }),
    }),
    secretKeys: ["image-factory:githubToken", "image-factory:registryTokens"],
    program: () => defineImageFactory({ projectDir: ROOT }),
  }));
});

const kargo = (kind: string) =>
  resources.filter((r) => r.type === `kubernetes:kargo.akuity.io/v1alpha1:${kind}`);
const nameOf = (r: RecordedResource) => (r.inputs.metadata as { name: string }).name;
const secretUrn = (name: string) => resources.find((r) => r.type === "kubernetes:core/v1:Secret" && nameOf(r) === name)!.urn;
const fileUrn = (key: string) => {
  const [repo, branch, file] = key.split(":");
  return resources.find((r) => r.type === "github:index/repositoryFile:RepositoryFile" && r.inputs.file === file && r.inputs.branch === branch && repo.endsWith(`/${r.inputs.repository}`))?.urn;
};

it("makes every rebuild Stage whose workflow this stack commits depend on that file", () => {
  const committed = outputs.workflowFiles as Record<string, string>; // image → owner/repo:branch:path
  expect(Object.keys(committed).length).toBeGreaterThan(0);
  for (const [image, key] of Object.entries(committed)) {
    const stage = kargo("Stage").find((r) => nameOf(r) === `rebuild-${image}`);
    if (!stage) continue; // an image nothing triggers has no rebuild Stage
    expect(stage.dependencies, stage.name).toContain(fileUrn(key));
  }
  // uv's repository's generated image-factory-build.yml, concretely.
  const uv = kargo("Stage").find((r) => nameOf(r) === "rebuild-uv")!;
  expect(uv.dependencies).toContain(fileUrn("acme/platform:main:.github/workflows/image-factory-build.yml"));
});

it("gives a rebuild Stage of an image with its own workflow no file to wait for (this stack does not commit it)", () => {
  const backstage = kargo("Stage").find((r) => nameOf(r) === "rebuild-backstage")!;
  expect(backstage.dependencies.filter((d) => d.includes("RepositoryFile"))).toEqual([]);
});

it("makes every rebuild and analysis Stage depend on github-credentials, which their dispatch reads", () => {
  const stages = kargo("Stage").filter((r) => /^(rebuild|analyze)-/.test(nameOf(r)));
  expect(stages.length).toBeGreaterThan(5);
  for (const s of stages) expect(s.dependencies, nameOf(s)).toContain(secretUrn("github-credentials"));
});

it("makes update Stages depend on git-credentials, which their git steps use", () => {
  const updates = kargo("Stage").filter((r) => nameOf(r).startsWith("update-"));
  expect(updates.length).toBeGreaterThan(0);
  for (const s of updates) expect(s.dependencies, nameOf(s)).toContain(secretUrn("git-credentials"));
});

it("makes every Warehouse on GHCR depend on the GHCR credential, and no other Warehouse", () => {
  const warehouses = kargo("Warehouse");
  const repoOf = (r: RecordedResource) => JSON.stringify((r.inputs.spec as { subscriptions: unknown[] }).subscriptions);
  const onGhcr = warehouses.filter((w) => repoOf(w).includes('"repoURL":"ghcr.io/'));
  // uv's base, and the three images something follows (python-base, metrics-service, report-worker).
  expect(onGhcr.length).toBe(4);
  for (const w of warehouses) {
    expect(w.dependencies.includes(secretUrn("registry-ghcr-io")), nameOf(w)).toBe(onGhcr.includes(w));
  }
});

it("makes the source Warehouses (git subscriptions) depend on git-credentials", () => {
  const sources = kargo("Warehouse").filter((w) => nameOf(w).startsWith("source-"));
  expect(sources.length).toBeGreaterThan(0);
  for (const w of sources) expect(w.dependencies, nameOf(w)).toContain(secretUrn("git-credentials"));
});

it("makes Stages that use no credential (the observers) wait for nothing but the Project", () => {
  const project = kargo("Project")[0].urn;
  for (const s of kargo("Stage").filter((r) => nameOf(r).startsWith("seen-"))) expect(s.dependencies, nameOf(s)).toEqual([project]);
});
