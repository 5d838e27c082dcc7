// gitops delivery under Pulumi mocks: the manifests go to the state repo as one file per
// source repository plus project.yaml and shared.yaml, and the Argo CD Application syncs
// them all; a Secret is refused before anything is registered.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApplication } from "../../src/argocd/application";
import { declareDelivery, GitopsDelivery } from "../../src/argocd/delivery";
import { parseStackSettings } from "../../src/config/stack";
import { GithubEstate } from "../../src/github/component";
import { createGithubProviders, githubOwners, githubRepos } from "../../src/github/provider";
import { renderManifestFiles } from "../../src/gitops/manifests";
import { estatePlacement } from "../../src/gitops/placement";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { estateOf, exampleImages } from "../github/fixtures";
import { credentialsSecret, sampleObjects } from "../gitops/objects";

const settings = parseStackSettings(
  { kargoProject: "image-factory", delivery: JSON.stringify({ mode: "gitops", repo: "acme-ops/estate-state", branch: "main", path: "kargo/dev" }) },
  { source: "Pulumi.dev.yaml", projectDir: "." },
);

let resources: RecordedResource[];
let delivery: GitopsDelivery | undefined;
let rejection: unknown;

beforeAll(async () => {
  const run = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    program: () => {
      const images = exampleImages();
      const providers = createGithubProviders("github", { owners: githubOwners(settings.github.owner, githubRepos(settings, images)), token: pulumi.secret("t") });
      const k8sProvider = new k8s.Provider("kubernetes", {});
      new GithubEstate("github", { estate: estateOf(images), github: settings.github, providers });
      const common = { delivery: settings.delivery, kargoProject: settings.kargoProject, githubProviders: providers, k8sProvider, estate: { ...estateOf(images), bases: [] } };
      // Stands in for a generated workflow file (any resource will do).
      const workflowFile = new k8s.core.v1.ConfigMap("workflow-file", {}, { provider: k8sProvider });
      delivery = declareDelivery("delivery", { ...common, manifests: sampleObjects(), manifestDependsOn: [workflowFile] });
      try {
        declareDelivery("rejected", { ...common, manifests: [...sampleObjects(), credentialsSecret()] });
      } catch (e) {
        rejection = e;
      }
      return {};
    },
  });
  resources = run.resources;
});

const ofType = (type: string) => resources.filter((r) => r.type === type);
const providerName = (ref: string | undefined) => ref?.split("::")[3];
const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";

describe("gitops delivery", () => {
  it("declares a GitopsDelivery component", () => {
    expect(delivery).toBeInstanceOf(GitopsDelivery);
    expect(delivery?.manifestFiles).toEqual([
      "acme-ops/estate-state:main:kargo/dev/project.yaml",
      "acme-ops/estate-state:main:kargo/dev/repos/acme/platform.yaml",
      "acme-ops/estate-state:main:kargo/dev/shared.yaml",
    ]);
    expect(ofType("image-factory:argocd:GitopsDelivery").map((r) => r.name)).toEqual(["delivery"]);
  });

  it("commits the manifests as deterministic files, one per source repository plus project and shared, to delivery.path", () => {
    const files = ofType("github:index/repositoryFile:RepositoryFile").filter((f) => !String(f.inputs.file).startsWith(".github/"));
    expect(files.map((f) => f.name)).toEqual([
      "delivery-manifests-kargo/dev/project.yaml",
      "delivery-manifests-kargo/dev/repos/acme/platform.yaml",
      "delivery-manifests-kargo/dev/shared.yaml",
    ]);
    const expected = renderManifestFiles(sampleObjects(), "kargo/dev", { placement: estatePlacement({ ...estateOf(exampleImages()), bases: [] }) });
    for (const [i, file] of files.entries()) {
      expect(providerName(file.provider)).toBe("github-acme-ops");
      const { content, ...rest } = file.inputs;
      expect(rest).toEqual({
        repository: "estate-state",
        branch: "main",
        file: expected[i].path,
        commitMessage: "image-factory: update the Kargo manifests (stack dev)",
        overwriteOnCreate: true,
      });
      expect(content).toBe(expected[i].content);
    }
    const kinds = (i: number) => parseAllDocuments(String(files[i].inputs.content), { version: "1.1" }).map((d) => `${d.toJS().kind}/${d.toJS().metadata.name}`);
    expect(kinds(0)).toEqual(["Project/image-factory", "ProjectConfig/image-factory"]);
    expect(kinds(1)).toEqual(["Stage/rebuild-uv"]);
    expect(kinds(2)).toEqual(["Warehouse/base-node-22-bookworm-slim"]);
  });

  it("declares the Application through the Kubernetes provider, after every file", () => {
    const apps = ofType(APPLICATION);
    expect(apps).toHaveLength(1);
    const [app] = apps;
    expect(app.name).toBe("delivery-application");
    expect(app.inputs).toEqual(buildApplication({ delivery: settings.delivery, kargoProject: "image-factory" }));
    expect(providerName(app.provider)).toBe("kubernetes");
    const manifestFiles = ofType("github:index/repositoryFile:RepositoryFile").filter((f) => f.name.startsWith("delivery-manifests-"));
    expect(manifestFiles).toHaveLength(3);
    for (const f of manifestFiles) expect(app.dependencies, f.name).toContain(f.urn);
    // Each manifest file is committed after the workflow files its Stages dispatch.
    const workflowFile = ofType("kubernetes:core/v1:ConfigMap").find((r) => r.name === "workflow-file")!;
    for (const f of manifestFiles) expect(f.dependencies, f.name).toContain(workflowFile.urn);
    const [component] = ofType("image-factory:argocd:GitopsDelivery");
    expect(app.parent).toBe(component.urn);
    for (const f of manifestFiles) expect(f.parent).toBe(component.urn);
  });

  it("refuses a Secret among the manifests, before registering anything", () => {
    expect(String(rejection)).toMatch(/Secret image-factory\/github-credentials.*never committed/);
    expect(resources.filter((r) => r.name.startsWith("rejected"))).toEqual([]);
    const committed = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile").map((r) => String(r.inputs.content));
    for (const text of committed) {
      expect(text).not.toContain("kind: Secret");
      expect(text).not.toContain("not-a-real-token");
    }
    expect(resources.some((r) => r.type === "kubernetes:core/v1:Secret")).toBe(false);
  });

  it("still commits the generated build workflows", () => {
    const workflows = ofType("github:index/repositoryFile:RepositoryFile").filter((f) => String(f.inputs.file).startsWith(".github/workflows/"));
    expect(workflows.map((w) => w.inputs.file)).toEqual([
      ".github/workflows/image-factory-build.yml",
      ".github/workflows/image-factory-build.yml",
    ]);
  });
});
