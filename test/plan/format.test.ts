import { describe, expect, it } from "vitest";
import { formatMarkdown, table } from "../../src/plan/format";
import { buildPlan } from "../../src/plan/plan";
import type { RenderedResource } from "../../src/render/render";
import { diamond } from "./fixtures";

const settings = {
  registries: {},
  delivery: { mode: "direct" as const, branch: "main", path: "kargo", argocd: { name: "a", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" } },
  github: { factoryBranch: "main", analyzeWorkflow: "analyze.yml", manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } },
};
const resource = (name: string, soak = "1h"): RenderedResource => ({
  urn: `urn:pulumi:dev::p::kubernetes:kargo.akuity.io/v1alpha1:Stage::${name}`,
  type: "kubernetes:kargo.akuity.io/v1alpha1:Stage",
  name,
  dependsOn: [],
  options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
  inputs: { apiVersion: "kargo.akuity.io/v1alpha1", kind: "Stage", metadata: { name, namespace: "ns" }, spec: { soak } },
});
const render = (resources: RenderedResource[], logs = [] as Array<{ severity: "warning"; message: string }>) => ({
  project: "p",
  stack: "dev",
  resources,
  files: new Map([["kubernetes/stage_ns_a.yaml", ""]]),
  logs,
  notes: ["a note"],
});

describe("formatMarkdown", () => {
  it("summarizes what the stack declares, the graph, the fan-out, polling and warnings", () => {
    const estate = diamond({ cAuto: false });
    estate.unwatched.push({ image: "e", reference: "docker.io/library/alpine:3@sha256:" + "a".repeat(64), reason: `pinned by digest sha256:${"a".repeat(64)}: it cannot move, so nothing watches it` });
    const plan = buildPlan({ render: render([resource("a")], [{ severity: "warning", message: "upstream not applied" }]), estate, settings, imagesFile: { file: "images.yaml", images: 4 } });
    const md = formatMarkdown(plan);
    expect(md).toContain("## image-factory plan: stack `dev`");
    expect(md).toContain("4 images in 1 repository from `images.yaml` · 2 watched bases · delivery direct");
    expect(md).toContain("| Stage | 1     |");
    expect(md).toContain("```mermaid\nflowchart LR");
    expect(md).toMatch(/\| `node:22` +\| a +\| 2 +\| 2 +\| 1 +\| c +\|/);
    expect(md).toContain("| docker.io | 2 ");
    expect(md).toContain("- program: upstream not applied");
    expect(md).toContain("- image c: autoRebuild is false");
    expect(md).toContain("- image e: base docker.io/library/alpine:3@sha256:");
    expect(md).toContain("- a note");
    expect(plan.warnings.some((w) => w.startsWith("registry"))).toBe(false);
  });

  it("lists changes against a base, and says so when there are none", () => {
    const withChange = formatMarkdown(
      buildPlan({ render: render([resource("a", "2h"), resource("b")]), estate: diamond(), settings, imagesFile: { file: "images.yaml", images: 4 }, base: { shownAs: "main", resources: [resource("a"), resource("z")] } }),
    );
    expect(withChange).toContain("### Changes against `main`");
    expect(withChange).toContain("**1 to add, 1 to change, 1 to remove** (0 unchanged)");
    expect(withChange).toMatch(/\| ~ +\| Stage ns\/a +\| Stage +\| `spec\.soak`: `1h` → `2h` +\|/);
    expect(withChange).toMatch(/\| - +\| Stage ns\/z +\| Stage +\| deleted +\|/);
    const none = formatMarkdown(buildPlan({ render: render([resource("a")]), estate: diamond(), settings, imagesFile: { file: "images.yaml", images: 4 }, base: { shownAs: "main", resources: [resource("a")] } }));
    expect(none).toContain("No changes: the 1 resource is the same.");
  });

  it("flags a registry over its budget", () => {
    const plan = buildPlan({ render: render([]), estate: diamond(), settings: { ...settings, registries: { "docker.io": { interval: "5m", pullsPerHour: 5 } } }, imagesFile: { file: "i", images: 4 } });
    expect(plan.registries.find((r) => r.registry === "docker.io")).toMatchObject({ overBudget: true, budget: 5 });
    expect(formatMarkdown(plan)).toContain("**over budget**");
    expect(plan.warnings.join("\n")).toContain("registry docker.io: polling costs 48 requests/hour, over its budget of 5");
  });
});

it("shows the registry's interval and the bases' own ones", () => {
  const estate = diamond();
  estate.bases[0].interval = "6h";
  const md = formatMarkdown(buildPlan({ render: render([]), estate, settings, imagesFile: { file: "i", images: 4 } }));
  expect(md).toMatch(/\| docker\.io +\| \d+ +\| 1h; own: 6h +\|/);
  estate.bases[1].interval = "12h";
  const own = formatMarkdown(buildPlan({ render: render([]), estate, settings, imagesFile: { file: "i", images: 4 } }));
  expect(own).toMatch(/\| docker\.io +\| \d+ +\| 6h, 12h +\|/);
});

it("pads table columns so they line up in a terminal", () => {
  expect(table(["A", "Long header"], [["x|y", "1"]])).toEqual(["| A    | Long header |", "| ---- | ----------- |", "| x\\|y | 1           |"]);
});
