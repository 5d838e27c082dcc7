// direct delivery (the default) under Pulumi mocks: Pulumi applies the Kargo objects
// itself, so there is no Application and no manifest file; only the build workflows.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { declareDelivery } from "../../src/argocd/delivery";
import { parseStackSettings } from "../../src/config/stack";
import { GithubEstate } from "../../src/github/component";
import { createGithubProviders, githubOwners, githubRepos } from "../../src/github/provider";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { estateOf, exampleImages } from "../github/fixtures";
import { sampleObjects } from "../gitops/objects";

const settings = parseStackSettings({}, { source: "Pulumi.dev.yaml", projectDir: "." });

let resources: RecordedResource[];
let delivery: unknown = "not called";

beforeAll(async () => {
  const run = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    program: () => {
      const images = exampleImages();
      const providers = createGithubProviders("github", { owners: githubOwners(settings.github.owner, githubRepos(settings, images)), token: pulumi.secret("t") });
      const k8sProvider = new k8s.Provider("kubernetes", {});
      new GithubEstate("github", { estate: estateOf(images), github: settings.github, providers });
      delivery = declareDelivery("delivery", {
        delivery: settings.delivery,
        kargoProject: settings.kargoProject,
        manifests: sampleObjects(),
        estate: { ...estateOf(images), bases: [] },
        githubProviders: providers,
        k8sProvider,
      });
      return {};
    },
  });
  resources = run.resources;
});

describe("direct delivery", () => {
  it("is the default mode", () => {
    expect(settings.delivery.mode).toBe("direct");
  });

  it("declares no Application and no delivery component", () => {
    expect(delivery).toBeUndefined();
    expect(resources.filter((r) => r.type.startsWith("kubernetes:argoproj.io/"))).toEqual([]);
    expect(resources.filter((r) => r.type === "image-factory:argocd:GitopsDelivery")).toEqual([]);
  });

  it("commits no manifest file, only the build workflows", () => {
    const files = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile");
    expect(files.map((f) => f.inputs.file)).toEqual([
      ".github/workflows/image-factory-build.yml",
      ".github/workflows/image-factory-build.yml",
    ]);
    // No settings managed unless opted in.
    expect(resources.filter((r) => r.type.includes("WorkflowRepositoryPermissions") || r.type.includes("RepositoryEnvironment"))).toEqual([]);
  });
});
