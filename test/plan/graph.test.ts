import { describe, expect, it } from "vitest";
import { childrenOf, fanOut, mermaid, shortBase } from "../../src/plan/graph";
import { base, diamond, image } from "./fixtures";

describe("fanOut", () => {
  it("counts every dispatch of the cascade, once per parent's new version", () => {
    const [node, python] = fanOut(diamond());
    // a once; c once (a's version); d twice (a's version, then c's).
    expect(node).toEqual({ base: "docker.io/library/node:22", direct: ["a"], rebuilt: ["a", "c", "d"], dispatches: 4, held: [], updatePullRequests: 1 });
    expect(python).toMatchObject({ base: "docker.io/library/python:3.12", rebuilt: ["e"], dispatches: 1 });
  });

  it("stops the cascade at an image that waits for a person", () => {
    const [node] = fanOut(diamond({ cAuto: false }));
    expect(node).toMatchObject({ rebuilt: ["a", "d"], dispatches: 2, held: ["c"] });
  });

  it("sorts the largest fan-out first and stays linear on a long chain", () => {
    const n = 3000;
    const images = [image("i0", [{ base: "docker.io/library/x:1" }]), ...Array.from({ length: n - 1 }, (_, i) => image(`i${i + 1}`, [{ image: `i${i}` }]))];
    const estate = { images, bases: [base("docker.io/library/y:1", []), base("docker.io/library/x:1", ["i0"])], unwatched: [] };
    const started = performance.now();
    const result = fanOut(estate);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result[0]).toMatchObject({ base: "docker.io/library/x:1", dispatches: n });
    expect(result[1]).toMatchObject({ base: "docker.io/library/y:1", dispatches: 0, rebuilt: [] });
  });

  it("counts a parent named by two FROM lines as one edge", () => {
    const estate = diamond();
    estate.images[1].triggers.push({ ...estate.images[1].triggers[0], runtime: false });
    expect(childrenOf(estate).get("a")).toEqual(["c", "d"]);
    expect(fanOut(estate)[0].dispatches).toBe(4);
  });
});

describe("mermaid", () => {
  it("draws bases, images and triggers; dashed when the image waits for a person", () => {
    const text = mermaid(diamond({ cAuto: false }))!;
    expect(text.split("\n")[0]).toBe("flowchart LR");
    expect(text).toContain('b0[["node:22"]]:::base');
    expect(text).toContain('i1["c<br/>manual"]:::manual');
    expect(text).toContain('i0["a<br/>after 7d"]:::image');
    expect(text).toContain("b0 --> i0");
    expect(text).toContain("i0 -.-> i1");
    expect(text).toContain("i1 --> i2");
  });

  it("leaves out a graph too large for a PR comment", () => {
    expect(mermaid(diamond(), { maxNodes: 3 })).toBeUndefined();
  });
});

it("shortens base keys for reading", () => {
  expect(shortBase("docker.io/library/node:22-bookworm-slim@linux/amd64")).toBe("node:22-bookworm-slim (linux/amd64)");
  expect(shortBase("docker.io/bitnami/redis:7")).toBe("bitnami/redis:7");
  expect(shortBase("ghcr.io/astral-sh/uv:0.5")).toBe("ghcr.io/astral-sh/uv:0.5");
});
