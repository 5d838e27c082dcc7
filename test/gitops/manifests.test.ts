import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { type KubernetesObject, MANIFEST_FILE, MANIFEST_INCLUDE, MAX_MANIFEST_FILE_BYTES, type Placement, prepareManifests, renderManifestFiles } from "../../src/gitops/manifests";
import { estatePlacement, repoGroup } from "../../src/gitops/placement";
import { estateOf, exampleImages } from "../github/fixtures";
import { GENERATED_HEADER } from "../../src/github/yaml";
import { UserError } from "../../src/config/errors";
import { credentialsSecret, sampleObjects } from "./objects";

const docsOf = (content: string, version: "1.1" | "1.2" = "1.1") => parseAllDocuments(content, { version }).map((d) => d.toJS());

/** Everything in one group: the file layout aside, what a committed file holds. */
const together = (o: KubernetesObject): Placement => ({ group: "shared", unit: `${o.kind}/${o.metadata.name}` });
function renderManifestFile(objects: readonly KubernetesObject[], folder: string) {
  const files = renderManifestFiles(objects, folder, { placement: together });
  expect(files).toHaveLength(1);
  return files[0];
}

describe("a committed manifest file", () => {
  it("is a multi-document file in delivery.path", () => {
    expect(renderManifestFile(sampleObjects(), "kargo/prod").path).toBe("kargo/prod/shared.yaml");
    expect(renderManifestFile(sampleObjects(), "kargo/").path).toBe("kargo/shared.yaml");
    expect(renderManifestFile(sampleObjects(), ".").path).toBe("shared.yaml");
  });

  it("starts with the generated header and holds every object, cluster-scoped first", () => {
    const { content } = renderManifestFile(sampleObjects(), "kargo");
    expect(content.split("\n")[0]).toBe(`# ${GENERATED_HEADER}`);
    const docs = docsOf(content);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      "Project/image-factory",
      "ProjectConfig/image-factory",
      "Stage/rebuild-uv",
      "Warehouse/base-node-22-bookworm-slim",
    ]);
    // Read back as YAML 1.1 (what kubectl and Argo CD use), it is exactly the input.
    const byName = new Map(sampleObjects().map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    for (const d of docs) expect(d).toEqual(byName.get(`${d.kind}/${d.metadata.name}`));
    expect(content).toContain('value: "2022-11-28"');
    expect(content).toContain('value: "on"');
  });

  it("puts apiVersion, kind, metadata, spec first and sorts the rest", () => {
    const { content } = renderManifestFile(sampleObjects(), "kargo");
    const warehouse = content.split("---\n").find((d) => d.split("\n").includes("kind: Warehouse"))!;
    expect(warehouse.split("\n").filter((l) => /^\S/.test(l))).toEqual(["apiVersion: kargo.akuity.io/v1alpha1", "kind: Warehouse", "metadata:", "spec:"]);
    expect(warehouse.indexOf("freightCreationPolicy")).toBeLessThan(warehouse.indexOf("interval"));
  });

  it("gives the same bytes for the same objects in any order, with keys in any order", () => {
    const reference = renderManifestFile(sampleObjects(), "kargo").content;
    expect(renderManifestFile(sampleObjects(), "kargo").content).toBe(reference);
    const shuffleKeys = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, seed));
      if (!v || typeof v !== "object") return v;
      const entries = Object.entries(v);
      const rotated = entries.slice(seed % Math.max(entries.length, 1)).concat(entries.slice(0, seed % Math.max(entries.length, 1))).reverse();
      return Object.fromEntries(rotated.map(([k, x]) => [k, shuffleKeys(x, seed + 1)]));
    };
    fc.assert(
      fc.property(fc.shuffledSubarray(sampleObjects(), { minLength: 4, maxLength: 4 }), fc.nat(10), (objects, seed) => {
        expect(renderManifestFile(objects.map((o) => shuffleKeys(o, seed) as typeof o), "kargo").content).toBe(reference);
      }),
      { numRuns: 30 },
    );
  });
});

describe("what is never committed", () => {
  it("rejects a Secret", () => {
    expect(() => renderManifestFile([...sampleObjects(), credentialsSecret()], "kargo")).toThrow(/Secret.*never committed/);
  });

  it("rejects a Secret hidden in a List", () => {
    const list = { apiVersion: "v1", kind: "List", metadata: { name: "bundle" }, items: [credentialsSecret()] };
    expect(() => prepareManifests([list])).toThrow(/never committed/);
  });

  it("allows a mere reference to a Secret", () => {
    const ref = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "n" }, data: { ref: "y" }, extra: { kind: "Secret", name: "github-credentials" } };
    expect(prepareManifests([ref])).toHaveLength(1);
  });

  it("rejects values that are not plain data, such as a (possibly secret) Output", () => {
    const withOutput = { ...sampleObjects()[0], spec: { token: pulumi.secret("s3cr3t") } };
    expect(() => prepareManifests([withOutput])).toThrow(/only plain data/);
    expect(() => prepareManifests([{ ...sampleObjects()[0], spec: { when: new Date(0) } }])).toThrow(/only plain data/);
    expect(() => prepareManifests([{ ...sampleObjects()[0], spec: { n: Number.NaN } }])).toThrow(/cannot be written/);
  });

  it("rejects duplicates and objects without a name", () => {
    expect(() => prepareManifests([sampleObjects()[0], sampleObjects()[0]])).toThrow(/appears twice/);
    expect(() => prepareManifests([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "" } }])).toThrow(/metadata.name/);
  });

  it("an empty estate commits no file", () => {
    expect(renderManifestFiles([], "kargo", { placement: together })).toEqual([]);
  });
});

// Many images' objects in one group, with a small limit: the group is split into
// power-of-two shards by a hash of the image, and no shard is over the limit.
const many = (n: number, pad = 400): KubernetesObject[] =>
  Array.from({ length: n }, (_, i) => [
    { apiVersion: "v1", kind: "Stage", metadata: { name: `rebuild-i${i}`, namespace: "n" }, spec: { pad: "x".repeat(pad) } },
    { apiVersion: "v1", kind: "Warehouse", metadata: { name: `image-i${i}`, namespace: "n" }, spec: { pad: "y".repeat(pad) } },
  ]).flat();
const byImage = (o: KubernetesObject): Placement => ({ group: "repos/acme/app", unit: o.metadata.name.replace(/^[a-z]+-/, "") });

describe("the split into files", () => {
  const placement = estatePlacement({ ...estateOf(exampleImages()), bases: [] });

  it("places cluster-scoped objects and the ProjectConfig in project, an image's objects in its repository's file, the rest in shared", () => {
    const [warehouse, stage, project, projectConfig] = ["Warehouse", "Stage", "Project", "ProjectConfig"].map((k) => sampleObjects().find((o) => o.kind === k)!);
    expect(placement(project)).toEqual({ group: "project", unit: "Project/image-factory" });
    expect(placement(projectConfig)).toEqual({ group: "project", unit: "ProjectConfig/image-factory" });
    expect(placement(stage)).toEqual({ group: "repos/acme/platform", unit: "uv" });
    expect(placement(warehouse)).toEqual({ group: "shared", unit: "Warehouse/base-node-22-bookworm-slim" });
    expect(repoGroup("Acme/Platform.Tools")).toBe("repos/acme/platform.tools");
    expect(renderManifestFiles(sampleObjects(), "kargo", { placement }).map((f) => f.path)).toEqual(["kargo/project.yaml", "kargo/repos/acme/platform.yaml", "kargo/shared.yaml"]);
  });

  it("every per-image object name the Kargo builder gives finds its image; per-repository objects stay shared", () => {
    for (const name of ["image-uv", "seen-image-uv", "rebuild-uv", "update-uv"]) {
      expect(placement({ apiVersion: "v1", kind: "Stage", metadata: { name, namespace: "image-factory" } }), name).toEqual({ group: "repos/acme/platform", unit: "uv" });
    }
    expect(placement({ apiVersion: "v1", kind: "Stage", metadata: { name: "rebuild-report-worker", namespace: "n" } }).group).toBe("repos/acme/data-tools");
    expect(placement({ apiVersion: "v1", kind: "Warehouse", metadata: { name: "source-acme-platform-main", namespace: "n" } }).group).toBe("shared");
  });

  it("splits a group over the limit into shards, keeping each image's objects in one", () => {
    const files = renderManifestFiles(many(200), "kargo", { placement: byImage, maxBytes: 16 * 1024 });
    const shards = Number(/-of-(\d+)\.yaml$/.exec(files[0].path)![1]);
    expect(Number.isInteger(Math.log2(shards))).toBe(true);
    expect(files.length).toBeLessThanOrEqual(shards);
    expect(files.length).toBeGreaterThan(4);
    for (const f of files) {
      expect(f.path).toMatch(/^kargo\/repos\/acme\/app@\d+-of-\d+\.yaml$/);
      expect(Buffer.byteLength(f.content), f.path).toBeLessThanOrEqual(16 * 1024);
      const units = new Set(docsOf(f.content).map((d) => String(d.metadata.name).replace(/^[a-z]+-/, "")));
      for (const other of files.filter((g) => g !== f)) for (const d of docsOf(other.content)) expect(units.has(String(d.metadata.name).replace(/^[a-z]+-/, ""))).toBe(false);
    }
    expect(files.flatMap((f) => docsOf(f.content)).length).toBe(400);
  });

  it("a change to one image's objects rewrites one file, and the layout is the same for any order", () => {
    const before = renderManifestFiles(many(200), "kargo", { placement: byImage, maxBytes: 16 * 1024 });
    const changed = many(200);
    (changed[2 * 57].spec as { pad: string }).pad = "z".repeat(400);
    const after = renderManifestFiles([...changed].reverse(), "kargo", { placement: byImage, maxBytes: 16 * 1024 });
    expect(after.map((f) => f.path)).toEqual(before.map((f) => f.path));
    expect(after.filter((f, i) => f.content !== before[i].content)).toHaveLength(1);
  });

  it("stays one file per group well under the real limit, and refuses an image too big for any file", () => {
    expect(renderManifestFiles(many(200), "kargo", { placement: byImage }).map((f) => f.path)).toEqual(["kargo/repos/acme/app.yaml"]);
    expect(MAX_MANIFEST_FILE_BYTES).toBe(512 * 1024);
    expect(() => renderManifestFiles(many(1, 20_000), "kargo", { placement: byImage, maxBytes: 16 * 1024 })).toThrow(UserError);
    expect(() => renderManifestFiles(many(1, 20_000), "kargo", { placement: byImage, maxBytes: 16 * 1024 })).toThrow(/the objects of i0 take \d+ bytes, more than one manifest file may hold/);
  });

  it("refuses a group that is not a path the Application reads", () => {
    expect(() => renderManifestFiles(sampleObjects(), "kargo", { placement: () => ({ group: "../x", unit: "u" }) })).toThrow(/not a manifest group/);
  });
});

/**
 * Argo CD matches `directory.include` with gobwas/glob compiled without separators
 * (util/glob/glob.go Match, called from reposerver/repository/repository.go findManifests
 * with the file's path relative to the Application's path). The subset used here: `*` is any
 * run of characters including `/`, `{a,b}` is one of the alternatives, everything else literal.
 */
function argoIncludeMatches(pattern: string, relPath: string): boolean {
  const toRegex = (p: string): string =>
    p.replace(/\{([^}]*)\}|\*|[^{*]+/g, (m, alts: string | undefined) => (alts !== undefined ? `(?:${alts.split(",").map(toRegex).join("|")})` : m === "*" ? ".*" : m.replace(/[.+?^$()|[\]\\/@-]/g, "\\$&")));
  return new RegExp(`^${toRegex(pattern)}$`).test(relPath);
}

describe("the Application's include pattern", () => {
  it("takes every file the split writes, and neither the single file of earlier versions nor strays", () => {
    const files = [
      ...renderManifestFiles(sampleObjects(), ".", { placement: estatePlacement({ ...estateOf(exampleImages()), bases: [] }) }),
      ...renderManifestFiles(many(200), ".", { placement: byImage, maxBytes: 16 * 1024 }),
      ...renderManifestFiles(many(200), ".", { placement: (o) => ({ group: "shared", unit: o.metadata.name }), maxBytes: 16 * 1024 }),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(argoIncludeMatches(MANIFEST_INCLUDE, f.path), f.path).toBe(true);
    for (const stray of [MANIFEST_FILE, "kustomization.yaml", "notes.yaml", "shared-old.yaml", "other/x.yaml"]) expect(argoIncludeMatches(MANIFEST_INCLUDE, stray), stray).toBe(false);
  });
});
