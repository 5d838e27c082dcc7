// What `plan` tells a reviewer about the rebuild Stages: which run by themselves, first sight as
// a baseline for what is new, and how to re-run a failed rebuild.
import { describe, expect, it } from "vitest";
import { planKargo } from "../../src/kargo";
import { kargoObjectNames, rebuildLifecycle } from "../../src/plan/lifecycle";
import type { RenderedResource } from "../../src/render/render";
import { handEstate } from "../kargo/fixtures";

const resource = (type: string, inputs: Record<string, unknown>): RenderedResource => ({
  urn: `urn:${type}`,
  type,
  name: "x",
  dependsOn: [],
  options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
  inputs,
});

describe("rebuildLifecycle", () => {
  const estate = handEstate();

  it("lists every rebuild Stage with how it promotes and the command that re-runs it", () => {
    const plan = rebuildLifecycle({ estate, role: "owner", project: "rebuilds" });
    expect(plan.rebuilds.map((r) => [r.image, r.auto, r.dispatch, r.new])).toEqual([
      ["backstage", true, "build", false],
      ["e2e-runner", false, "build", false],
      ["python-base", true, "build", false],
      ["metrics-service", true, "build", false],
      ["report-worker", true, "build", false],
      ["uv", true, "build", false],
    ]);
    expect(plan.rebuilds.find((r) => r.image === "uv")).toMatchObject({
      stage: "rebuild-uv",
      origins: ["base-gcr-io-distroless-python3-debian12-nonroot", "base-ghcr-io-astral-sh-uv-0-5", "base-python-3-12-slim"],
      rerun: "kargo promote --project rebuilds --stage rebuild-uv --warehouse <the base's warehouse>",
    });
    expect(plan.rebuilds.find((r) => r.image === "backstage")!.rerun).toBe("kargo promote --project rebuilds --stage rebuild-backstage --warehouse base-node-22-bookworm-slim");
    expect(plan.newBases).toEqual([]);
  });

  it("says which Stages and bases are new against a base render, applied directly or committed for Argo CD", () => {
    // The base had everything but uv's rebuild Stage and the distroless base.
    const objects = planKargo(estate, { project: "image-factory" }).objects.filter((o) => o.metadata.name !== "rebuild-uv" && o.metadata.name !== "base-gcr-io-distroless-python3-debian12-nonroot");
    const direct = objects.map((o) => resource(`kubernetes:${o.apiVersion}:${o.kind}`, o as unknown as Record<string, unknown>));
    const plan = rebuildLifecycle({ estate, role: "owner", project: "image-factory", base: direct });
    expect(plan.rebuilds.filter((r) => r.new).map((r) => r.stage)).toEqual(["rebuild-uv"]);
    expect(plan.newBases).toEqual([{ warehouse: "base-gcr-io-distroless-python3-debian12-nonroot", images: ["uv"] }]);
    // The same objects committed as one multi-document file.
    const yaml = objects.map((o) => `apiVersion: ${o.apiVersion}\nkind: ${o.kind}\nmetadata:\n  name: ${o.metadata.name}\n`).join("---\n");
    const committed = [resource("github:index/repositoryFile:RepositoryFile", { file: "kargo/image-factory.yaml", content: yaml })];
    expect(kargoObjectNames(committed)).toEqual(kargoObjectNames(direct));
    expect(kargoObjectNames(committed).has("Stage/rebuild-backstage")).toBe(true);
  });

  it("in a canary, lists dry runs and the images it cannot dry-run", () => {
    const plan = rebuildLifecycle({ estate, role: "canary", project: "image-factory" });
    expect(plan.rebuilds.every((r) => r.dispatch === "dry run")).toBe(true);
    // The fixture's workflows declare no dry_run: nothing is dispatched, and the plan says so.
    expect(plan.notDispatched).toEqual(estate.images.filter((i) => i.triggers.length > 0 && !i.spec.source.workflowInputs.includes("dry_run" as never)).map((i) => i.spec.name));
  });
});
