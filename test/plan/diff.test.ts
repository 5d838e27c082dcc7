import { describe, expect, it } from "vitest";
import { diffResources, labelOf } from "../../src/plan/diff";
import type { RenderedResource } from "../../src/render/render";

const res = (name: string, inputs: Record<string, unknown>, type = "kubernetes:kargo.akuity.io/v1alpha1:Stage"): RenderedResource => ({
  urn: `urn:pulumi:dev::p::${type}::${name}`,
  type,
  name,
  dependsOn: [],
  options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
  inputs,
});

describe("diffResources", () => {
  it("finds added, changed and removed resources by URN, field by field", () => {
    const stage = (soak: string, extra: Record<string, unknown> = {}) => res("s", { kind: "Stage", metadata: { name: "s", namespace: "ns" }, spec: { soak, steps: [{ uses: "http" }, { uses: "x" }] }, ...extra });
    const base = [stage("72h"), res("gone", { a: 1 }), res("same", { a: 1 })];
    const head = [stage("96h", { spec: { soak: "96h", steps: [{ uses: "http" }, { uses: "y" }] } }), res("new", { a: 1 }), res("same", { a: 1 })];
    const diff = diffResources(base, head);
    expect(diff.unchanged).toBe(1);
    expect(diff.changes.map((c) => [c.op, c.name])).toEqual([
      ["add", "new"],
      ["change", "s"],
      ["remove", "gone"],
    ]);
    expect(diff.changes[1].label).toBe("Stage ns/s");
    expect(diff.changes[1].fields).toEqual([
      { path: "inputs.spec.soak", before: "72h", after: "96h" },
      { path: "inputs.spec.steps[1].uses", before: "x", after: "y" },
    ]);
  });

  it("compares a list that changed length element by element, and option changes", () => {
    const a = res("r", { list: [1, 2] });
    const b = { ...res("r", { list: [1, 2, 3] }), options: { ...a.options, protect: true } };
    expect(diffResources([a], [b]).changes[0].fields).toEqual([
      { path: "inputs.list[2]", after: 3 },
      { path: "options.protect", before: false, after: true },
    ]);
  });

  it("diffs multi-line text (a workflow file) line by line", () => {
    const type = "github:index/repositoryFile:RepositoryFile";
    const a = res("wf", { repository: "platform", file: ".github/workflows/x.yml", content: "a\nb\nc\nd\n" }, type);
    const b = res("wf", { repository: "platform", file: ".github/workflows/x.yml", content: "a\nB\nc\nd\ne\n" }, type);
    const [change] = diffResources([a], [b]).changes;
    expect(change.label).toBe("platform:.github/workflows/x.yml");
    expect(change.fields![0].patch).toMatchObject({ added: 2, removed: 1 });
    expect(change.fields![0].patch!.text).toContain("-b\n+B");
  });

  it("labels resources for reading", () => {
    expect(labelOf(res("p", { kind: "Project", metadata: { name: "estate" } }))).toBe("Project estate");
    expect(labelOf(res("x", {}, "pulumi:providers:github"))).toBe("x");
  });
});
