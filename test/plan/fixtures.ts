// Hand-built estates for the plan's graph arithmetic.
import { completeImage, imageSchema, type ImageInput } from "../../src/config/schema";
import type { Estate, ImageNode, WatchedBase } from "../../src/model/types";

export function image(name: string, from: Array<{ base: string } | { image: string }>, extra: Partial<ImageInput> = {}): ImageNode {
  const spec = completeImage(imageSchema.parse({ name, repository: `acme/${name}`, source: { repo: "acme/mono", dockerfile: `${name}/Dockerfile` }, ...extra }));
  return {
    spec,
    repoURL: `ghcr.io/acme/${name}`,
    bases: [],
    triggers: from.map((f) =>
      "base" in f
        ? { source: { kind: "base" as const, key: f.base }, reference: f.base, runtime: true }
        : { source: { kind: "image" as const, name: f.image }, reference: `ghcr.io/acme/${f.image}:1.0.0`, runtime: true },
    ),
  };
}

export function base(key: string, dependents: string[], registry = "docker.io"): WatchedBase {
  return { key, registry, repoURL: key.split(":")[0], tag: key.split(":")[1] ?? "latest", tagPolicy: "digest", declared: false, dependents };
}

/**
 *   node ──▶ a ──▶ c ──▶ d
 *             └────────▶ d      (d is built on both a and c)
 *   python ─▶ e
 */
export function diamond(opts: { cAuto?: boolean } = {}): Estate {
  return {
    images: [
      image("a", [{ base: "docker.io/library/node:22" }], { updates: [{ repo: "acme/deploy", path: "a", type: "kustomize-set-image" }] }),
      image("c", [{ image: "a" }], { autoRebuild: opts.cAuto ?? true }),
      image("d", [{ image: "a" }, { image: "c" }]),
      image("e", [{ base: "docker.io/library/python:3.12" }]),
    ],
    bases: [base("docker.io/library/node:22", ["a"]), base("docker.io/library/python:3.12", ["e"])],
    unwatched: [],
  };
}
