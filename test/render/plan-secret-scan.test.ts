// `plan` runs render's secret scan: what render would refuse to write, plan refuses to print.
import { expect, it } from "vitest";
import { imageFactory } from "./child";

it("plan prints nothing and exits 1 when a secret value would appear in the render or the plan", () => {
  // The token's value is also used as a plain setting, so it reaches manifests and the summary.
  const value = "acme-secret-project-4242";
  const run = imageFactory(["plan", "--config", `image-factory:githubToken=${value}`, "--config", `image-factory:kargoProject=${value}`]);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr).toContain("refusing to print the plan: a secret value would be written to");
  // Files named after the value are listed with the value masked: the refusal shows no secret either.
  expect(run.stderr).toMatch(/kubernetes\/project_\[secret\]\.yaml \(file name, secret #\d+\)/);
  expect(run.stderr).not.toContain(value);
}, 240_000);
