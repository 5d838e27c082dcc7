// One changed field of images.yaml shows up in `plan --base` as exactly that change. The
// stack is dev made the owner of the builds (--config builds=owner), so it has every kind of
// object a change can touch.
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import type { Plan } from "../../src/plan";
import { copyExampleEstate, imageFactory } from "../render/child";

const OWNER = ["--config", "builds=owner"];

it("shows exactly the resources one changed field of images.yaml changes", { timeout: 120_000 }, () => {
  const estate = copyExampleEstate();
  const images = path.join(estate, "images.yaml");
  const base = path.join(estate, "base-render");
  const rendered = imageFactory(["render", "--images", images, ...OWNER, "--out", base]);
  expect(rendered.stderr).not.toContain("Error");
  expect(rendered.code).toBe(0);

  // uv's rebuildDelay: 3d → 4d. Only its rebuild Stage's soak times may change.
  const text = fs.readFileSync(images, "utf8");
  expect(text).toContain("rebuildDelay: 3d");
  fs.writeFileSync(images, text.replace("rebuildDelay: 3d", "rebuildDelay: 4d"));

  const run = imageFactory(["plan", "--images", images, ...OWNER, "--base", base, "--format", "json"]);
  expect(run.code).toBe(0);
  const plan = JSON.parse(run.stdout) as Plan;
  expect(plan.changes).toMatchObject({ added: 0, removed: 0, changed: 1 });
  const [change] = plan.changes!.list;
  expect(change.label).toBe("Stage image-factory/rebuild-uv");
  expect(change.fields!.length).toBeGreaterThan(0);
  for (const f of change.fields!) {
    expect(f.path).toMatch(/^inputs\.spec\.requestedFreight\[\d+\]\.sources\.requiredSoakTime$/);
    expect(f).toMatchObject({ before: "72h0m0s", after: "96h0m0s" });
  }

  // The same change in Markdown: one row, readable.
  const md = imageFactory(["plan", "--images", images, ...OWNER, "--base", base]);
  expect(md.code).toBe(0);
  expect(md.stdout).toContain("**0 to add, 1 to change, 0 to remove**");
  expect(md.stdout).toMatch(/\| ~ +\| Stage image-factory\/rebuild-uv +\| Stage +\| `spec\.requestedFreight\[0\]\.sources\.requiredSoakTime`: `72h0m0s` → `96h0m0s`/);
});

it("shows no change against a render of the same input", { timeout: 120_000 }, () => {
  const estate = copyExampleEstate();
  const images = path.join(estate, "images.yaml");
  const base = path.join(estate, "base-render");
  expect(imageFactory(["render", "--images", images, ...OWNER, "--out", base]).code).toBe(0);
  const run = imageFactory(["plan", "--images", images, ...OWNER, "--base", base, "--format", "json"]);
  expect(run.code).toBe(0);
  const plan = JSON.parse(run.stdout) as Plan;
  expect(plan.changes).toMatchObject({ added: 0, changed: 0, removed: 0, list: [] });
  expect(plan.changes!.unchanged).toBeGreaterThan(30);
});
