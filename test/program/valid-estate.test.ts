// The positive control for invalid-images.test.ts: the same program with the example
// estate does register resources, so "nothing registered" above is a real finding.
import * as path from "node:path";
import { expect, it } from "vitest";
import { runUnderMocks } from "../../src/render/mock-runtime";

const ROOT = path.resolve(__dirname, "..", "..");

it("registers resources for the example estate", async () => {
  const { defineImageFactory } = await import("../../src/program");
  const { resources, outputs } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    config: { "image-factory:images": "examples/estate/images.yaml", "image-factory:githubToken": "token-value", "image-factory:kubernetes": JSON.stringify({ context: "test" }) },
    secretKeys: ["image-factory:githubToken"],
    program: () => defineImageFactory({ projectDir: ROOT }),
  });
  expect(resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length).toBeGreaterThan(0);
  expect(outputs.kargoProject).toBe("image-factory");
});
