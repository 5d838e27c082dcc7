// render and plan follow --stack; plan warns about a stale lock, refuses a base rendered for
// another stack, and --exit-code tells "no changes" (0) from "changes" (2). Each render runs
// in its own process (Pulumi's runtime runs one program per process).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyExampleEstate, imageFactory } from "../render/child";

let prodRender: string;

beforeAll(() => {
  prodRender = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "if-plan-stack-")), "prod");
  const r = imageFactory(["render", "--stack", "prod", "--out", prodRender]);
  expect(r.stderr).not.toContain("Error");
  expect(r.code).toBe(0);
}, 240_000);

describe("render and plan --stack", () => {
  it("render --stack prod renders prod: its overlay's five images, recorded in render.json", () => {
    expect(JSON.parse(fs.readFileSync(path.join(prodRender, "render.json"), "utf8")).stack).toBe("prod");
    expect(fs.readdirSync(path.join(prodRender, "kubernetes")).some((f) => f.includes("e2e-runner"))).toBe(false);
  });

  it("plan --stack prod --exit-code against its own render: no changes, exit 0", () => {
    const r = imageFactory(["plan", "--stack", "prod", "--base", prodRender, "--exit-code"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("## image-factory plan: stack `prod`");
    expect(r.stdout).toContain("5 of 6 images");
    expect(r.stdout).toContain("No changes");
  }, 240_000);

  it("plan refuses a base rendered for another stack", () => {
    const r = imageFactory(["plan", "--stack", "dev", "--base", prodRender]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is a render of stack prod, not dev: compare renders of the same stack");
    expect(r.stdout).toBe("");
  }, 240_000);

  it("plan --exit-code exits 2 when something changes, and warns that the stack's lock is stale", () => {
    const estate = copyExampleEstate();
    const images = path.join(estate, "images.yaml");
    // python-base is not overridden by prod's overlay: 1d → 2d changes its rebuild Stage.
    const text = fs.readFileSync(images, "utf8");
    expect(text).toContain("rebuildDelay: 1d");
    fs.writeFileSync(images, text.replace("rebuildDelay: 1d", "rebuildDelay: 2d"));
    const dockerfile = path.join(estate, "sources", "acme", "platform", "images", "python-base", "Dockerfile");
    fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, "utf8").replace(/python:3\.12-slim/g, "python:3.13-slim"));
    const r = imageFactory(["plan", "--stack", "prod", "--config", `image-factory:images=${images}`, "--base", prodRender, "--exit-code", "--format", "json"]);
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout);
    expect(plan.changes).toMatchObject({ added: 0, removed: 0, changed: 1 });
    expect(plan.lock).toMatchObject({ status: "stale", command: "image-factory analyze --stack prod" });
    expect(plan.warnings[0]).toContain("is stale: a Dockerfile changed since it was written");
    expect(r.stderr).toContain("is stale: a Dockerfile changed since it was written; run `image-factory analyze --stack prod` and commit it");
  }, 240_000);
});
