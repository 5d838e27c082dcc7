import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { MANIFEST_FILE, prepareManifests, renderManifestFile } from "../../src/gitops/manifests";
import { GENERATED_HEADER } from "../../src/github/yaml";
import { credentialsSecret, sampleObjects } from "./objects";

const docsOf = (content: string, version: "1.1" | "1.2" = "1.1") => parseAllDocuments(content, { version }).map((d) => d.toJS());

describe("the committed manifest file", () => {
  it("is one multi-document file in delivery.path", () => {
    expect(renderManifestFile(sampleObjects(), "kargo/prod").path).toBe(`kargo/prod/${MANIFEST_FILE}`);
    expect(renderManifestFile(sampleObjects(), "kargo/").path).toBe(`kargo/${MANIFEST_FILE}`);
    expect(renderManifestFile(sampleObjects(), ".").path).toBe(MANIFEST_FILE);
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

  it("an empty estate is a file with the header and no objects", () => {
    const { content } = renderManifestFile([], "kargo");
    expect(content.startsWith(`# ${GENERATED_HEADER}`)).toBe(true);
    expect(docsOf(content).filter((d) => d !== null)).toEqual([]);
    expect(parse(content)).toBeNull();
  });
});
