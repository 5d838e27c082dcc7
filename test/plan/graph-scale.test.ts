// The rebuild graph marks what a change adds, changes and removes, and above its size limit
// draws the part the change touches plus an overview (bases by registry → images by source
// repository) instead of disappearing.
import { describe, expect, it } from "vitest";
import { mermaid, overview, rebuildGraph } from "../../src/plan/graph";
import type { Estate } from "../../src/model/types";
import { base, diamond, image } from "./fixtures";

/** 100 images in 4 repositories on 3 bases (two registries); img-0 is built on by img-1..img-3. */
function large(): Estate {
  const bases = [base("docker.io/library/node:22", []), base("docker.io/library/python:3.12", []), base("ghcr.io/acme/runtime:1", [], "ghcr.io")];
  const images = Array.from({ length: 100 }, (_, i) => {
    const from = i >= 1 && i <= 3 ? [{ image: "img-0" }] : [{ base: bases[i % 3].key }];
    const node = image(`img-${i}`, from, { source: { repo: `acme/repo-${i % 4}`, dockerfile: `img-${i}/Dockerfile` } });
    for (const f of from) if ("base" in f) bases.find((b) => b.key === f.base)!.dependents.push(node.spec.name);
    return node;
  });
  return { images, bases, unwatched: [] };
}

describe("graph marks", () => {
  it("marks added, changed and removed nodes with their own classes", () => {
    const text = mermaid(diamond(), { marks: { added: ["e", "docker.io/library/python:3.12"], changed: ["a"], removed: ["old-image", "docker.io/library/node:20"] } })!;
    expect(text).toContain("classDef added stroke:#1a7f37");
    expect(text).toMatch(/^ {2}class i3,b1 added$/m); // e and the python base
    expect(text).toMatch(/^ {2}class i0 changed$/m); // a
    expect(text).toMatch(/^ {2}r0\["node:20<br\/>removed"\]$/m);
    expect(text).toMatch(/^ {2}r1\["old-image<br\/>removed"\]$/m);
    expect(text).toMatch(/^ {2}class r0,r1 removed$/m);
  });

  it("draws no mark classes when nothing is marked", () => {
    expect(mermaid(diamond())).not.toMatch(/class .* (added|changed|removed)/);
  });
});

describe("above the size limit", () => {
  it("draws the changed nodes and their direct neighbours, and an overview of the whole", () => {
    const picture = rebuildGraph(large(), { maxNodes: 80, marks: { changed: ["img-0"], added: ["img-50"] } });
    expect(picture.partial).toEqual({ shown: 7, total: 103 }); // img-0, node:22, img-1..3; img-50 and ghcr.io/acme/runtime:1
    const drawn = picture.mermaid!;
    for (const name of ["img-0", "img-1", "img-3", "img-50", "node:22"]) expect(drawn).toContain(`"${name}`);
    expect(drawn).not.toContain('"img-4<');
    const summary = picture.overview!;
    expect(summary).toContain('[["docker.io<br/>2 bases"]]');
    expect(summary).toContain('[["ghcr.io<br/>1 base"]]');
    expect(summary).toMatch(/"acme\/repo-0<br\/>25 images"/);
    // Images triggered by a registry's bases, per repository: 97 base-built images in all.
    const counts = [...summary.matchAll(/-->\|(\d+)\|/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(97);
  });

  it("without a change, or when the touched part is itself too large, keeps the overview", () => {
    const none = rebuildGraph(large(), { maxNodes: 80 });
    expect(none.mermaid).toBeUndefined();
    expect(none.overview).toContain("flowchart LR");
    const everything = rebuildGraph(large(), { maxNodes: 80, marks: { changed: large().images.map((i) => i.spec.name) } });
    expect(everything.mermaid).toBeUndefined();
    expect(everything.overview).toBeDefined();
  });

  it("groups past 30 registries or repositories into one 'others' group", () => {
    const estate = large();
    estate.images.forEach((n, i) => (n.spec.source.repo = `acme/r${i}`));
    const text = overview(estate);
    expect(text).toContain('"70 others<br/>70 images"');
  });

  it("draws small estates whole", () => {
    expect(rebuildGraph(diamond()).mermaid).toBe(mermaid(diamond()));
  });
});
