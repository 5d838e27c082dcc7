// The scale bounds of issue "Scale to real estates", pinned on a smaller generated estate
// (150 images over 30 bases in 10 repositories, chains, updates, 30% own workflows) rendered
// for dev (direct delivery) and prod (GitOps): one generated workflow per repository, small
// GitOps files split per repository, and every dispatch aimed at a file the stack commits.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEstate, generateEstateText } from "../../bench/generated-estate";
import { parseImagesText } from "../../src/config/images";
import { MAX_MANIFEST_FILE_BYTES, type KubernetesObject, renderManifestFiles } from "../../src/gitops/manifests";
import { spawn } from "node:child_process";
import { readTree } from "../golden/tree";

const ROOT = path.resolve(__dirname, "..", "..");
const SIZE = { images: 150, bases: 30, repos: 10 };
const STATE_PREFIX = "github/acme/image-factory-state/clusters/prod/kargo/";

/** A render's files: path relative to the output folder → content. */
interface RenderResult {
  files: Map<string, string>;
}

let dir: string;
let dev: RenderResult;
let prod: RenderResult;
let prodChanged: RenderResult;
let changedImage: string;

/** `image-factory render` in a child process (Pulumi's mock runtime runs once per process). */
function render(stack: string, images: string, state: string): Promise<RenderResult> {
  // An empty overlay: prod's own names images of the example estate.
  const overlay = path.join(dir, "overlay.yaml");
  fs.writeFileSync(overlay, "{}\n");
  const out = fs.mkdtempSync(path.join(dir, `render-${stack}-`));
  fs.rmSync(out, { recursive: true });
  const args = [path.join(ROOT, "bin", "image-factory.js"), "render", "--stack", stack, "--images", images, "--state", state, "--config", `image-factory:overlay=${overlay}`, "--out", out];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => (code === 0 ? resolve({ files: readTree(out) }) : reject(new Error(`render ${stack} failed (${code}): ${stderr}`))));
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-scale-"));
  const estate = generateEstate(SIZE, dir);
  [dev, prod] = await Promise.all([render("dev", estate.images, estate.state), render("prod", estate.images, estate.state)]);
  // The same estate with one generated image's settings changed.
  const text = fs.readFileSync(estate.images, "utf8");
  const specs = parseImagesText(text, "images.yaml").images;
  changedImage = specs.find((i) => i.source.generatedWorkflow && i.versionBump === "patch")!.name;
  const changedDir = fs.mkdtempSync(path.join(os.tmpdir(), "if-scale-changed-"));
  fs.writeFileSync(path.join(changedDir, "images.yaml"), text.replace(`- name: ${changedImage}\n`, `- name: ${changedImage}\n  versionBump: minor\n`));
  fs.copyFileSync(path.join(estate.state, "images.lock.yaml"), path.join(changedDir, "images.lock.yaml"));
  // The lock records the image's inputs; versionBump is not one of them.
  prodChanged = await render("prod", path.join(changedDir, "images.yaml"), changedDir);
  fs.rmSync(changedDir, { recursive: true, force: true });
}, 600_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const workflowFiles = (r: RenderResult) => [...r.files.keys()].filter((f) => /^github\/[^/]+\/[^/]+\/\.github\/workflows\//.test(f));
const gitopsFiles = (r: RenderResult) => [...r.files.keys()].filter((f) => f.startsWith(STATE_PREFIX));
const specs = () => parseImagesText(generateEstateText(SIZE).images, "images.yaml").images;

describe("a generated estate rendered for dev and prod", () => {
  it("is the estate it claims to be: repositories, own workflows, chains and updates", () => {
    const images = specs();
    expect(images).toHaveLength(SIZE.images);
    expect(new Set(images.map((i) => i.source.repo)).size).toBe(SIZE.repos);
    const own = images.filter((i) => !i.source.generatedWorkflow).length / images.length;
    expect(own).toBeGreaterThan(0.2);
    expect(own).toBeLessThan(0.4);
    expect(images.some((i) => i.updates.length > 0)).toBe(true);
  });

  it("prod (the owner) commits at most one workflow file per repository with generated workflows; dev (the canary) none", () => {
    const reposWithGenerated = new Set(specs().filter((i) => i.source.generatedWorkflow).map((i) => `${i.source.repo}:${i.source.branch}`));
    const files = workflowFiles(prod);
    expect(files.length).toBeGreaterThan(0);
    expect(files.length).toBeLessThanOrEqual(reposWithGenerated.size);
    for (const f of files) expect(f).toMatch(/\/\.github\/workflows\/image-factory-build\.yml$/);
    expect(workflowFiles(dev)).toEqual([]);
  });

  it.each(["dev", "prod"])("%s dispatches only workflows that exist: the owner's committed generated file, or the image's own", (stack) => {
    const r = stack === "dev" ? dev : prod;
    const committed = new Set(workflowFiles(prod).map((f) => f.replace(/^github\//, "").replace("/.github/workflows/", ":")));
    const own = new Set(specs().filter((i) => !i.source.generatedWorkflow).map((i) => `${i.source.repo}:${i.source.workflow}`));
    const stages = stack === "dev"
      ? [...r.files.entries()].filter(([f]) => f.startsWith("kubernetes/stage_")).map(([, c]) => c)
      : gitopsFiles(r).map((f) => r.files.get(f)!);
    let dispatches = 0;
    for (const text of stages) {
      for (const [, repo, workflow] of text.matchAll(/https:\/\/api\.github\.com\/repos\/([^/]+\/[^/]+)\/actions\/workflows\/([^/]+)\/dispatches/g)) {
        if (repo === "acme/image-factory") continue; // the factory's analyze workflow
        dispatches++;
        expect(committed.has(`${repo}:${workflow}`) || own.has(`${repo}:${workflow}`), `${repo}:${workflow}`).toBe(true);
      }
    }
    expect(dispatches).toBeGreaterThan(0);
  });

  it("prod commits its Kargo objects as small files: project, shared, one per source repository", () => {
    const files = gitopsFiles(prod);
    const names = files.map((f) => f.slice(STATE_PREFIX.length)).sort();
    expect(names).toContain("project.yaml");
    expect(names).toContain("shared.yaml");
    expect(names.filter((n) => n.startsWith("repos/")).length).toBeLessThanOrEqual(SIZE.repos);
    for (const f of files) expect(Buffer.byteLength(prod.files.get(f)!), f).toBeLessThanOrEqual(MAX_MANIFEST_FILE_BYTES);
    expect(gitopsFiles(dev)).toEqual([]);
  });

  it("prod commits every GitOps file after the workflow files its Stages dispatch", () => {
    const resources = JSON.parse(prod.files.get("resources.json")!) as Array<{ urn: string; type: string; name: string; dependsOn: string[] }>;
    const files = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile");
    const workflows = files.filter((r) => r.name.startsWith("github-workflow-")).map((r) => r.urn);
    const manifests = files.filter((r) => r.name.startsWith("delivery-manifests-"));
    expect(workflows.length).toBeGreaterThan(0);
    expect(manifests.length).toBe(gitopsFiles(prod).length);
    for (const m of manifests) expect([...m.dependsOn].sort(), m.name).toEqual(expect.arrayContaining(workflows));
  });

  it("a change to one image's settings rewrites one workflow file and one GitOps file", () => {
    const changed = (a: RenderResult, b: RenderResult, files: (r: RenderResult) => string[]) =>
      [...new Set([...files(a), ...files(b)])].filter((f) => a.files.get(f) !== b.files.get(f));
    const image = specs().find((i) => i.name === changedImage)!;
    expect(changed(prod, prodChanged, workflowFiles)).toEqual([`github/${image.source.repo}/.github/workflows/image-factory-build.yml`]);
    expect(changed(prod, prodChanged, gitopsFiles)).toEqual([`${STATE_PREFIX}repos/${image.source.repo}.yaml`]);
  });

  it("split with a smaller limit, every file stays under it and every image's objects stay together", () => {
    // The ProjectConfig alone is bigger than this limit while it lists Stages by name.
    const objects: KubernetesObject[] = gitopsFiles(prod)
      .flatMap((f) => parseAllDocuments(prod.files.get(f)!, { version: "1.1" }).map((d) => d.toJS() as KubernetesObject))
      .filter((o) => o.kind !== "ProjectConfig" && o.kind !== "Project");
    // One group for everything: shards are then the only split. Generated names end in the image's.
    const placement = (o: KubernetesObject) => {
      const image = /(img-\d{5})$/.exec(o.metadata.name)?.[1];
      return { group: "shared", unit: image ?? `${o.kind}/${o.metadata.name}` };
    };
    const maxBytes = 16 * 1024;
    const files = renderManifestFiles(objects, "kargo", { placement, maxBytes });
    expect(files.length).toBeGreaterThan(4);
    expect(Math.log2(Number(/@\d+-of-(\d+)\.yaml$/.exec(files[0].path)![1])) % 1).toBe(0);
    const where = new Map<string, Set<string>>();
    for (const f of files) {
      expect(Buffer.byteLength(f.content), f.path).toBeLessThanOrEqual(maxBytes);
      for (const d of parseAllDocuments(f.content, { version: "1.1" })) {
        const unit = placement(d.toJS() as KubernetesObject).unit;
        where.set(unit, (where.get(unit) ?? new Set()).add(f.path));
      }
    }
    for (const [unit, paths] of where) expect(paths.size, unit).toBe(1);
    expect([...where.values()].reduce((n, p) => n + p.size, 0)).toBe(where.size);
    expect(files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS().metadata.name)).sort()).toEqual(objects.map((o) => o.metadata.name).sort());
  });
});
