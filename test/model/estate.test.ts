import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { topologicalOrder, rebuildCascade } from "../../src/analysis/graph";
import { indexBases, type Lock, type LockImage, lockInputsOf, readLock } from "../../src/analysis/lock";
import { normalizeReference } from "../../src/config/reference";
import { isUserError, type UserError } from "../../src/config/errors";
import { type ImagesFile, loadImagesFile, parseImagesText } from "../../src/config/images";
import { buildEstate } from "../../src/model/estate";
import type { BaseUse } from "../../src/model/types";

const ROOT = path.resolve(__dirname, "..", "..");
const DIGEST = "sha256:" + "c".repeat(64);

/** images.yaml from compact image lines: "name repo [extra yaml]" */
function images(yaml: string): ImagesFile {
  return parseImagesText(yaml, "images.yaml");
}

/** A lock that matches `file`, with the given bases per image ("ref" runtime, "ref build" build-only), normalized as analyze records them. */
function lockFor(file: ImagesFile, bases: Record<string, string[]>): Lock {
  const entries: Record<string, LockImage> = {};
  for (const spec of file.images) {
    const uses: BaseUse[] = (bases[spec.name] ?? []).map((b, i) => {
      const [reference, kind] = b.split(" ");
      return { reference: normalizeReference(reference), runtime: kind !== "build", line: i + 1 };
    });
    entries[spec.name] = { inputs: lockInputsOf(spec), bases: uses, unresolved: [] };
  }
  return { file: "images.lock.yaml", images: entries, bases: indexBases(entries) };
}

function image(name: string, extra = ""): string {
  return `- name: ${name}\n  repository: acme/${name}\n  source: {repo: acme/${name}}\n${extra}`;
}

function problemsOf(fn: () => unknown): UserError["problems"] {
  try {
    fn();
  } catch (e) {
    if (isUserError(e)) return e.problems;
    throw e;
  }
  throw new Error("expected a UserError");
}

describe("buildEstate", () => {
  it("builds the example estate from the committed lock", () => {
    const file = loadImagesFile(path.join(ROOT, "examples", "estate", "images.yaml"), "examples/estate/images.yaml");
    const estate = buildEstate(file, readLock(path.join(ROOT, "examples", "estate")));
    expect(estate.images.map((i) => i.spec.name)).toEqual(["backstage", "e2e-runner", "python-base", "metrics-service", "report-worker", "uv"]);
    expect(estate.images.find((i) => i.spec.name === "metrics-service")?.triggers).toEqual([
      { source: { kind: "image", name: "python-base" }, reference: "ghcr.io/acme/python-base:latest", runtime: true },
    ]);
    expect(estate.bases.map((b) => b.key)).toEqual([
      "docker.io/library/node:22-bookworm-slim",
      "docker.io/library/python:3.12-slim",
      "gcr.io/distroless/python3-debian12:nonroot",
      "ghcr.io/astral-sh/uv:0.5",
      "mcr.microsoft.com/playwright:v1.48.0-noble",
    ]);
    expect(estate.unwatched).toEqual([{ image: "e2e-runner", reference: "ghcr.io/astral-sh/uv:0.5", reason: "build-only base, and the image has rebuildOn: runtime" }]);
  });

  it("rebuilds children when a managed parent publishes, at any tag, parents first and ties by name", () => {
    const file = images([image("zeta"), image("base"), image("app"), image("tool"), image("leaf")].join(""));
    const lock = lockFor(file, {
      base: ["debian:12"],
      app: ["ghcr.io/acme/base:1.2.3"],
      zeta: ["ghcr.io/acme/base:latest"],
      leaf: ["ghcr.io/acme/app:2", "ghcr.io/acme/tool build"],
      tool: ["alpine:3.19"],
    });
    const estate = buildEstate(file, lock);
    expect(estate.images.map((i) => i.spec.name)).toEqual(["base", "app", "tool", "leaf", "zeta"]);
    const leaf = estate.images.find((i) => i.spec.name === "leaf");
    expect(leaf?.triggers.map((t) => t.source)).toEqual([
      { kind: "image", name: "app" },
      { kind: "image", name: "tool" },
    ]);
    expect(leaf?.repoURL).toBe("ghcr.io/acme/leaf");
    expect(estate.bases.map((b) => [b.key, b.dependents])).toEqual([
      ["docker.io/library/alpine:3.19", ["tool"]],
      ["docker.io/library/debian:12", ["base"]],
    ]);
  });

  it("reports a rebuild cycle, naming the images on it", () => {
    const file = images([image("a"), image("b"), image("c"), image("d")].join(""));
    const lock = lockFor(file, { a: ["ghcr.io/acme/c:1"], b: ["ghcr.io/acme/a:1"], c: ["ghcr.io/acme/b:1"], d: ["ghcr.io/acme/c:1"] });
    expect(problemsOf(() => buildEstate(file, lock))).toEqual([
      { file: "images.yaml", subject: 'image "a"', message: expect.stringContaining("rebuild cycle: a → b → c → a") },
    ]);
    const self = images(image("self"));
    expect(problemsOf(() => buildEstate(self, lockFor(self, { self: ["ghcr.io/acme/self:prev"] })))[0].message).toContain("rebuild cycle: self → self");
  });

  it("with rebuildOn: runtime, drops build-only bases (they go to unwatched)", () => {
    const file = images(image("app", "  rebuildOn: runtime\n"));
    const estate = buildEstate(file, lockFor(file, { app: ["node:22 build", "gcr.io/distroless/nodejs22:nonroot"] }));
    expect(estate.images[0].triggers.map((t) => t.reference)).toEqual(["gcr.io/distroless/nodejs22:nonroot"]);
    expect(estate.images[0].bases.map((b) => b.reference)).toEqual(["docker.io/library/node:22", "gcr.io/distroless/nodejs22:nonroot"]);
    expect(estate.bases.map((b) => b.key)).toEqual(["gcr.io/distroless/nodejs22:nonroot"]);
    expect(estate.unwatched).toEqual([{ image: "app", reference: "docker.io/library/node:22", reason: "build-only base, and the image has rebuildOn: runtime" }]);
  });

  it("applies ignoreBases after normalizing, and rejects entries that match no base", () => {
    const file = images(image("app", "  ignoreBases: [ghcr.io/astral-sh/uv:0.5, 'index.docker.io/library/python:3.12']\n"));
    const estate = buildEstate(file, lockFor(file, { app: ["docker.io/library/python:3.12 build", "ghcr.io/astral-sh/uv:0.5 build", "docker.io/library/alpine:3.19"] }));
    expect(estate.images[0].triggers.map((t) => t.reference)).toEqual(["docker.io/library/alpine:3.19"]);
    expect(estate.unwatched.map((u) => [u.reference, u.reason])).toEqual([
      ["docker.io/library/python:3.12", "listed in the image's ignoreBases"],
      ["ghcr.io/astral-sh/uv:0.5", "listed in the image's ignoreBases"],
    ]);

    const typo = images(image("app", "  ignoreBases: [ghcr.io/astral-sh/uv:0.6, 'Bad Ref']\n"));
    expect(problemsOf(() => buildEstate(typo, lockFor(typo, { app: ["ghcr.io/astral-sh/uv:0.5"] })))).toEqual([
      { file: "images.yaml", subject: 'image "app"', field: "ignoreBases[0]", message: "ghcr.io/astral-sh/uv:0.6 is not a base of this image (its bases: ghcr.io/astral-sh/uv:0.5); is it a typo?" },
      { file: "images.yaml", subject: 'image "app"', field: "ignoreBases[1]", message: expect.stringMatching(/^is not a valid image reference/) },
    ]);
  });

  it("lets a base: declaration decide how a base is watched, keyed with its platform", () => {
    const file = images(
      image("a") +
        image("b") +
        "- base: node:22\n  tagPolicy: semver\n  constraint: '^22.0.0'\n  platform: linux/arm64\n  interval: 6h\n" +
        "- base: docker.io/library/python\n  tagPolicy: semver\n  constraint: '>=3.12 <4'\n",
    );
    const estate = buildEstate(file, lockFor(file, { a: ["docker.io/library/node:22"], b: ["docker.io/library/node:22 build", "python"] }));
    expect(estate.bases).toEqual([
      {
        key: "docker.io/library/node:22@linux/arm64",
        registry: "docker.io",
        repoURL: "docker.io/library/node",
        tag: "22",
        platform: "linux/arm64",
        tagPolicy: "semver",
        constraint: "^22.0.0",
        interval: "6h",
        declared: true,
        dependents: ["a", "b"],
      },
      {
        key: "docker.io/library/python:latest",
        registry: "docker.io",
        repoURL: "docker.io/library/python",
        tag: "latest",
        tagPolicy: "semver",
        constraint: ">=3.12 <4",
        declared: true,
        dependents: ["b"],
      },
    ]);
    expect(estate.images.find((i) => i.spec.name === "a")?.triggers[0].source).toEqual({ kind: "base", key: "docker.io/library/node:22@linux/arm64" });
  });

  it("rejects two declarations of the same base, and declarations nothing uses", () => {
    const file = images(image("a") + "- base: node:22\n- base: docker.io/library/node:22\n  interval: 2h\n- base: redis:7\n");
    const problems = problemsOf(() => buildEstate(file, lockFor(file, { a: ["node:22"] })));
    expect(problems).toEqual([
      { file: "images.yaml", subject: 'base "docker.io/library/node:22"', field: "base", message: 'declares the same base as "node:22" (both are docker.io/library/node:22)' },
      { file: "images.yaml", subject: 'base "redis:7"', field: "base", message: expect.stringMatching(/^no image rebuilds on docker\.io\/library\/redis:7/) },
    ]);
  });

  it("does not watch a base pinned by digest: it goes to unwatched with the reason", () => {
    const file = images(image("app"));
    const estate = buildEstate(file, lockFor(file, { app: [`docker.io/library/node:22@${DIGEST}`, "ghcr.io/acme/other:1"] }));
    expect(estate.bases.map((b) => b.key)).toEqual(["ghcr.io/acme/other:1"]);
    expect(estate.unwatched).toEqual([{ image: "app", reference: `docker.io/library/node:22@${DIGEST}`, reason: `pinned by digest ${DIGEST}: it cannot move, so nothing watches it` }]);
  });

  it("refuses a lock that is missing an image or was computed from other inputs", () => {
    const file = images(image("a") + image("b", "  buildArgs: {V: '2'}\n") + image("c"));
    const lock = lockFor(file, { a: ["alpine:3.19"], b: ["alpine:3.19"], c: ["alpine:3.19"] });
    delete lock.images.a;
    lock.images.b.inputs.buildArgs = { V: "1" };
    lock.images.c.inputs.branch = "old";
    expect(problemsOf(() => buildEstate(file, lock)).map((p) => `${p.file}: ${p.subject}: ${p.message}`)).toEqual([
      'images.lock.yaml: image "a": images.lock.yaml is stale for image a: run `image-factory analyze` and commit images.lock.yaml (the lock has no entry for it)',
      'images.lock.yaml: image "b": images.lock.yaml is stale for image b: run `image-factory analyze` and commit images.lock.yaml (buildArgs.V is "2", the lock has "1")',
      'images.lock.yaml: image "c": images.lock.yaml is stale for image c: run `image-factory analyze` and commit images.lock.yaml (source.branch is "main", the lock has "old")',
    ]);
  });

  it("refuses an image whose lock entry has unresolved FROMs", () => {
    const file = images(image("a"));
    const lock = lockFor(file, { a: ["alpine:3.19"] });
    lock.images.a.unresolved = [{ line: 4, reason: "FROM ${BASE} expands to an empty image name" }];
    expect(problemsOf(() => buildEstate(file, lock))).toEqual([
      { file: "acme/a@main:Dockerfile", line: 4, subject: 'image "a"', message: expect.stringMatching(/^the base cannot be determined: FROM \$\{BASE\} expands to an empty image name/) },
    ]);
  });

  it("is deterministic", () => {
    const file = loadImagesFile(path.join(ROOT, "examples", "estate", "images.yaml"));
    const lock = readLock(path.join(ROOT, "examples", "estate"));
    expect(JSON.stringify(buildEstate(file, lock))).toBe(JSON.stringify(buildEstate(file, lock)));
  });
});

describe("topologicalOrder and rebuildCascade", () => {
  it("orders parents first with ties by name, and finds a cycle as a closed path", () => {
    expect(topologicalOrder(["c", "b", "a", "d"], [["b", "a"], ["d", "c"]])).toEqual({ ok: true, order: ["b", "a", "d", "c"] });
    expect(topologicalOrder(["x", "y", "z", "w"], [["x", "y"], ["y", "z"], ["z", "y"], ["z", "w"]])).toEqual({ ok: false, cycle: ["y", "z", "y"] });
  });

  it("lists everything a move cascades to, in rebuild order", () => {
    const dependents: Record<string, string[]> = { "base:debian": ["base"], base: ["app", "tool"], tool: ["leaf"], app: ["leaf"] };
    expect(rebuildCascade("base:debian", (n) => dependents[n] ?? [], ["base", "app", "tool", "leaf", "other"])).toEqual(["base", "app", "tool", "leaf"]);
  });
});
