// plan --base as a reviewer reads it: lists compared element by element, long values in full
// in a folded section, replacements marked with the provider's reason, a renamed Stage shown
// as one replacement, and a one-paragraph summary of what the change does to the estate.
import { describe, expect, it } from "vitest";
import { diffResources } from "../../src/plan/diff";
import { formatMarkdown } from "../../src/plan/format";
import { buildPlan } from "../../src/plan/plan";
import type { RenderedResource } from "../../src/render/render";
import { base, diamond, image } from "./fixtures";

const STAGE = "kubernetes:kargo.akuity.io/v1alpha1:Stage";
const FILE = "github:index/repositoryFile:RepositoryFile";
const options = { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] };
const resource = (type: string, name: string, inputs: Record<string, unknown>): RenderedResource => ({ urn: `urn:pulumi:dev::p::${type}::${name}`, type, name, dependsOn: [], options, inputs });
const freight = (warehouse: string) => ({ origin: { kind: "Warehouse", name: warehouse }, sources: { requiredSoakTime: "72h0m0s", stages: [`seen-${warehouse}`] } });
const stage = (name: string, warehouses: string[], url = "https://api.github.com/repos/acme/platform/actions/workflows/build-uv.yml/dispatches") =>
  resource(STAGE, `kargo-stage-${name}`, {
    apiVersion: "kargo.akuity.io/v1alpha1",
    kind: "Stage",
    metadata: { name, namespace: "image-factory" },
    spec: { requestedFreight: warehouses.map(freight), promotionTemplate: { spec: { steps: [{ uses: "http", config: { url, method: "POST" } }] } } },
  });
const workflow = (extra: Record<string, unknown> = {}) =>
  resource(FILE, "github-workflow-uv", { repository: "platform", file: ".github/workflows/build-uv.yml", branch: "main", content: "name: Build uv\n", ...extra });

const settings = {
  registries: {},
  delivery: { mode: "direct" as const, branch: "main", path: "kargo", argocd: { name: "a", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" } },
  github: { factoryBranch: "main", analyzeWorkflow: "analyze.yml", manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } },
};
const render = (resources: RenderedResource[]) => ({ project: "p", stack: "dev", resources, files: new Map<string, string>(), logs: [], notes: [] });

describe("the diff of a changed list", () => {
  it("compares a Stage's requestedFreight element by element: one added element, its value in full", () => {
    const longWarehouse = `base-${"registry-example-com-team-very-long-image-name-".repeat(2)}linux-amd64`;
    const before = stage("rebuild-uv", ["base-python-3-12-slim"]);
    const after = stage("rebuild-uv", ["base-python-3-12-slim", longWarehouse]);
    const [change] = diffResources([before], [after]).changes;
    expect(change.op).toBe("change");
    expect(change.fields).toEqual([{ path: "inputs.spec.requestedFreight[1]", after: freight(longWarehouse) }]);

    const md = formatMarkdown(buildPlan({ render: render([after]), estate: diamond(), settings, imagesFile: { file: "images.yaml", images: 4 }, base: { shownAs: "main", resources: [before] } }));
    expect(md).toMatch(/\| ~ +\| Stage image-factory\/rebuild-uv +\| Stage +\| `spec\.requestedFreight\[1\]`: added `\{"origin/);
    // The table cuts long values; the folded section has the whole element.
    expect(md).toContain("<details><summary>Stage image-factory/rebuild-uv: changed, 1 field</summary>");
    expect(md).toContain(`+ ${JSON.stringify(freight(longWarehouse))}`);
  });

  it("pairs a removed element with the one added in its place and compares inside it", () => {
    const before = stage("rebuild-uv", ["base-a", "base-b", "base-c"]);
    const after = stage("rebuild-uv", ["base-a", "base-x", "base-c"]);
    expect(diffResources([before], [after]).changes[0].fields!.map((f) => [f.path, f.before, f.after])).toEqual([
      ["inputs.spec.requestedFreight[1].origin.name", "base-b", "base-x"],
      ["inputs.spec.requestedFreight[1].sources.stages[0]", "seen-base-b", "seen-base-x"],
    ]);
  });
});

describe("replacements", () => {
  it("marks a RepositoryFile moving branch or file as replaced (ForceNew in terraform-provider-github v6.13.0 resource_github_repository_file.go)", () => {
    const moved = diffResources([workflow()], [workflow({ branch: "release" })]).changes[0];
    expect(moved.op).toBe("replace");
    expect(moved.fields![0]).toMatchObject({ path: "inputs.branch", before: "main", after: "release", replaces: expect.stringContaining("ForceNew") });
    expect(diffResources([workflow()], [workflow({ file: ".github/workflows/uv.yml" })]).changes[0].op).toBe("replace");
    // diffRepository (util_diff.go) replaces unless GitHub says it is the same repository renamed.
    expect(diffResources([workflow()], [workflow({ repository: "tools" })]).changes[0].replaceReasons![0]).toContain("unless the repository was only renamed");
    // The content is updated in place.
    expect(diffResources([workflow()], [workflow({ content: "name: Build uv!\n" })]).changes[0].op).toBe("change");

    const md = formatMarkdown(buildPlan({ render: render([workflow({ branch: "release" })]), estate: diamond(), settings, imagesFile: { file: "i", images: 4 }, base: { shownAs: "main", resources: [workflow()] } }));
    expect(md).toContain("**0 to add, 0 to change, 1 to replace, 0 to remove**");
    expect(md).toMatch(/\| ± +\| platform:\.github\/workflows\/build-uv\.yml +\| RepositoryFile +\| \*\*replaced\*\*: branch is ForceNew/);
    expect(md).toContain("  branch  (forces replacement)");
  });

  it("marks a Kubernetes object whose namespace changes, and a Secret's data only without enableSecretMutable (pulumi-kubernetes provider.go Diff, diff.go forceNewProperties)", () => {
    const moved = stage("rebuild-uv", ["w"]);
    const other = { ...moved, inputs: { ...moved.inputs, metadata: { name: "rebuild-uv", namespace: "factory-2" } } };
    expect(diffResources([moved], [other]).changes[0]).toMatchObject({ op: "replace", replaceReasons: ["metadata.namespace is the object's identity in the cluster"] });

    const secret = (data: string) => resource("kubernetes:core/v1:Secret", "s", { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, stringData: { password: data } });
    const provider = (mutable: boolean) => resource("pulumi:providers:kubernetes", "kubernetes", mutable ? { enableSecretMutable: "true" } : {});
    expect(diffResources([secret("a"), provider(false)], [secret("b"), provider(false)]).changes[0].op).toBe("replace");
    expect(diffResources([secret("a"), provider(true)], [secret("b"), provider(true)]).changes[0].op).toBe("change");
  });
});

describe("the diff of a renamed Stage", () => {
  it("shows the old and the new Stage as one replacement under a new name, with what else changed", () => {
    const before = [stage("rebuild-uv", ["base-python-3-12-slim"]), stage("rebuild-backstage", ["base-node-22"])];
    const after = [stage("rebuild-uv2", ["base-python-3-12-slim"], "https://api.github.com/repos/acme/platform/actions/workflows/build-uv2.yml/dispatches"), stage("rebuild-backstage", ["base-node-22"])];
    const { changes, unchanged } = diffResources(before, after);
    expect(unchanged).toBe(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ op: "replace", label: "Stage image-factory/rebuild-uv2", replaces: { label: "Stage image-factory/rebuild-uv" } });
    expect(changes[0].fields!.map((f) => f.path)).toEqual(["inputs.metadata.name", "inputs.spec.promotionTemplate.spec.steps[0].config.url"]);

    const md = formatMarkdown(buildPlan({ render: render(after), estate: diamond(), settings, imagesFile: { file: "i", images: 4 }, base: { shownAs: "main", resources: before } }));
    expect(md).toMatch(/\| ± +\| Stage image-factory\/rebuild-uv2 +\| Stage +\| \*\*replaced\*\* \(was Stage image-factory\/rebuild-uv\)/);
  });

  it("does not pair unrelated objects that happen to look alike", () => {
    const changes = diffResources([stage("rebuild-backstage", ["w"])], [stage("rebuild-frontend", ["w"])]).changes;
    expect(changes.map((c) => c.op)).toEqual(["add", "remove"]);
  });
});

describe("the summary", () => {
  it("says first what the change does: images enrolled, the base bump and the images it affects, resources", () => {
    // node:22 → node:24 under a, which c and d are built on: the bump reaches 3 images.
    const estate = diamond();
    estate.bases[0] = base("docker.io/library/node:24", ["a"]);
    estate.images[0] = image("a", [{ base: "docker.io/library/node:24" }]);
    estate.images.push(image("f", [{ base: "docker.io/library/python:3.12" }]), image("g", [{ base: "docker.io/library/python:3.12" }]));
    const plan = buildPlan({
      render: render([stage("rebuild-f", ["p"]), stage("rebuild-g", ["p"])]),
      estate,
      settings,
      imagesFile: { file: "images.yaml", images: 6 },
      outputs: { images: ["a", "c", "d", "e", "f", "g"], bases: ["docker.io/library/node:24", "docker.io/library/python:3.12"] },
      base: { shownAs: "main", resources: [], outputs: { images: ["a", "c", "d", "e"], bases: ["docker.io/library/node:22", "docker.io/library/python:3.12"] } },
    });
    expect(plan.summary).toBe("2 images enrolled (f, g); 1 base bump affects 3 images: node:22 → node:24 (3 images); resources: 2 to add.");
    const md = formatMarkdown(plan);
    expect(md.split("\n").slice(0, 3)).toEqual(["## image-factory plan: stack `dev`", "", plan.summary]);
    // The graph marks what the change adds, changes and removes.
    expect(plan.graph.marks).toEqual({ added: ["f", "g", "docker.io/library/node:24"], changed: [], removed: ["docker.io/library/node:22"] });
  });

  it("without a base, summarizes the stack and its widest base", () => {
    const plan = buildPlan({ render: render([]), estate: diamond(), settings, imagesFile: { file: "i", images: 4 } });
    expect(plan.summary).toBe("4 images in 1 repository rebuilt from 2 watched bases. The widest base, node:22, rebuilds 3 images when it moves.");
  });
});
