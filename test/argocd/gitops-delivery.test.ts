// gitops delivery under Pulumi mocks: the manifests go to the state repo as one file and
// the Argo CD Application syncs it; a Secret is refused before anything is registered.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApplication } from "../../src/argocd/application";
import { declareDelivery, GitopsDelivery } from "../../src/argocd/delivery";
import { parseStackSettings } from "../../src/config/stack";
import { GithubEstate } from "../../src/github/component";
import { createGithubProviders, githubOwners, githubRepos } from "../../src/github/provider";
import { renderManifestFile } from "../../src/gitops/manifests";
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
      const common = { delivery: settings.delivery, kargoProject: settings.kargoProject, githubProviders: providers, k8sProvider };
      delivery = declareDelivery("delivery", { ...common, manifests: sampleObjects() });
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
    expect(delivery?.manifestFile).toBe("acme-ops/estate-state:main:kargo/dev/image-factory.yaml");
    expect(ofType("image-factory:argocd:GitopsDelivery").map((r) => r.name)).toEqual(["delivery"]);
  });

  it("commits the manifests as one deterministic file to delivery.path of delivery.repo", () => {
    const files = ofType("github:index/repositoryFile:RepositoryFile").filter((f) => !String(f.inputs.file).startsWith(".github/"));
    expect(files).toHaveLength(1);
    const [file] = files;
    expect(file.name).toBe("delivery-manifests");
    expect(providerName(file.provider)).toBe("github-acme-ops");
    const { content, ...rest } = file.inputs;
    expect(rest).toEqual({
      repository: "estate-state",
      branch: "main",
      file: "kargo/dev/image-factory.yaml",
      commitMessage: "image-factory: update the Kargo manifests (stack dev)",
      overwriteOnCreate: true,
    });
    expect(content).toBe(renderManifestFile(sampleObjects(), "kargo/dev").content);
    const kinds = parseAllDocuments(String(content), { version: "1.1" }).map((d) => d.toJS().kind);
    expect(kinds).toEqual(["Project", "ProjectConfig", "Stage", "Warehouse"]);
  });

  it("declares the Application through the Kubernetes provider, after the file", () => {
    const apps = ofType(APPLICATION);
    expect(apps).toHaveLength(1);
    const [app] = apps;
    expect(app.name).toBe("delivery-application");
    expect(app.inputs).toEqual(buildApplication({ delivery: settings.delivery, kargoProject: "image-factory" }));
    expect(providerName(app.provider)).toBe("kubernetes");
    expect(app.dependencies.some((d) => d.endsWith("::delivery-manifests"))).toBe(true);
    const [component] = ofType("image-factory:argocd:GitopsDelivery");
    expect(app.parent).toBe(component.urn);
    expect(ofType("github:index/repositoryFile:RepositoryFile").find((f) => f.name === "delivery-manifests")?.parent).toBe(component.urn);
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
