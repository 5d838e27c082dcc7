import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readLock } from "../../src/analysis/lock";
import { isUserError } from "../../src/config/errors";
import { loadImagesFile, parseImagesText } from "../../src/config/images";
import { applyOverlay, loadStackOverlay, overlayRegistries, parseOverlayText } from "../../src/config/overlay";
import { buildEstate } from "../../src/model/estate";

const ROOT = path.resolve(__dirname, "..", "..");
const IMAGES = parseImagesText(
  `- name: api
  repository: acme/api
  source: {repo: acme/api}
  rebuildDelay: 3d
- name: worker
  repository: acme/worker
  source: {repo: acme/worker}
  autoRebuild: false
- name: tools
  repository: acme/tools
  source: {repo: acme/tools}
- base: node:22-bookworm-slim
  interval: 2h
`,
  "images.yaml",
);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (isUserError(e)) return e.problems.map((p) => `${p.line ?? "-"} ${p.field ?? ""}: ${p.message}`);
    throw e;
  }
  throw new Error("expected a UserError");
}

describe("parseOverlayText", () => {
  it("rejects unknown keys with a suggestion and the line", () => {
    expect(problemsOf(() => parseOverlayText("images:\n  exclude: [a]\noverides:\n  a: {rebuildDelay: 1d}\n", "stacks/prod.yaml"))).toEqual([
      "3 overides: unknown key overides, did you mean overrides?",
    ]);
    expect(problemsOf(() => parseOverlayText("overrides:\n  api:\n    rebuildDelya: 1d\n", "stacks/prod.yaml"))).toEqual([
      "3 overrides.api.rebuildDelya: unknown key rebuildDelya, did you mean rebuildDelay?",
    ]);
  });

  it("validates values: durations, booleans, registries and base references", () => {
    const problems = problemsOf(() =>
      parseOverlayText("defaults:\n  rebuildDelay: 3 days\n  autoRebuild: yes\nregistries:\n  Docker.IO: {interval: 1h}\nbases:\n  'node@sha256:abc': {interval: 1h}\n", "o.yaml"),
    );
    expect(problems.join("\n")).toContain("2 defaults.rebuildDelay: must be a duration such as 30m, 12h, 7d or 2w");
    expect(problems.join("\n")).toContain("3 defaults.autoRebuild: must be true or false");
    expect(problems.join("\n")).toContain("registries.Docker.IO: must be a lowercase registry host");
  });

  it("accepts an empty file as no change", () => {
    const overlay = parseOverlayText("# nothing yet\n", "o.yaml");
    expect(applyOverlay(IMAGES, overlay)).toEqual(IMAGES);
  });
});

describe("applyOverlay", () => {
  it("enrolls included images minus excluded ones", () => {
    const overlay = parseOverlayText("images:\n  include: [api, worker]\n  exclude: [tools]\n", "o.yaml");
    expect(applyOverlay(IMAGES, overlay).images.map((i) => i.name)).toEqual(["api", "worker"]);
  });

  it("reports an image both included and excluded instead of silently enrolling nothing", () => {
    const overlay = parseOverlayText("images:\n  include: [api, worker]\n  exclude: [worker]\n", "o.yaml");
    expect(() => applyOverlay(IMAGES, overlay)).toThrow('o.yaml:3: images.exclude[0]: image "worker" is also in images.include');
  });

  it("applies defaults to every image and per-image overrides over them", () => {
    const overlay = parseOverlayText("defaults:\n  rebuildDelay: 14d\n  autoRebuild: true\noverrides:\n  api: {rebuildDelay: 1d}\n  worker: {autoRebuild: false}\n", "o.yaml");
    const out = applyOverlay(IMAGES, overlay).images.map((i) => [i.name, i.rebuildDelay, i.autoRebuild]);
    expect(out).toEqual([
      ["api", "1d", true],
      ["worker", "14d", false],
      ["tools", "14d", true],
    ]);
    // Pure: the input is untouched.
    expect(IMAGES.images[0].rebuildDelay).toBe("3d");
  });

  it("rejects an image that images.yaml does not have, with a suggestion and the line", () => {
    const overlay = parseOverlayText("images:\n  exclude:\n    - wroker\noverrides:\n  apy: {rebuildDelay: 1d}\n", "stacks/prod.yaml");
    expect(problemsOf(() => applyOverlay(IMAGES, overlay))).toEqual([
      '3 images.exclude[0]: names image "wroker", which images.yaml does not have; did you mean worker?',
      '5 overrides.apy: names image "apy", which images.yaml does not have; did you mean api?',
    ]);
  });

  it("rejects settings for an image the overlay does not enroll", () => {
    const overlay = parseOverlayText("images:\n  exclude: [tools]\noverrides:\n  tools: {rebuildDelay: 1d}\n", "o.yaml");
    expect(problemsOf(() => applyOverlay(IMAGES, overlay))).toEqual(['4 overrides.tools: configures image "tools", which this overlay does not enroll']);
  });

  it("sets base intervals on the matching declaration, however the reference is spelled, or adds one", () => {
    const overlay = parseOverlayText("bases:\n  docker.io/library/node:22-bookworm-slim: {interval: 6h}\n  python:3.12-slim: {interval: 12h}\n", "o.yaml");
    expect(applyOverlay(IMAGES, overlay).bases).toEqual([
      { base: "node:22-bookworm-slim", tagPolicy: "digest", interval: "6h" },
      { base: "python:3.12-slim", tagPolicy: "digest", interval: "12h" },
    ]);
  });

  it("merges registry settings over the stack's, field by field", () => {
    const overlay = parseOverlayText("registries:\n  docker.io: {interval: 2h, authenticated: true}\n  quay.io: {pullsPerHour: 50}\n", "o.yaml");
    expect(overlayRegistries({ "docker.io": { pullsPerHour: 10 } }, overlay)).toEqual({
      "docker.io": { pullsPerHour: 10, interval: "2h", authenticated: true },
      "quay.io": { pullsPerHour: 50 },
    });
    expect(() => parseOverlayText("registries:\n  docker.io: {authenticated: yes please}\n", "o.yaml")).toThrow("registries.docker.io.authenticated: must be true or false");
    expect(overlayRegistries({ "docker.io": { pullsPerHour: 10 } }, undefined)).toEqual({ "docker.io": { pullsPerHour: 10 } });
  });
});

describe("stacks/prod.yaml on the example estate", () => {
  it("is valid, enrolls all but e2e-runner, and gives an estate the program accepts", () => {
    const estateDir = path.join(ROOT, "examples", "estate");
    const overlay = loadStackOverlay({ projectDir: ROOT, stack: "prod" })!;
    expect(overlay.file).toBe("stacks/prod.yaml");
    const lock = readLock(estateDir);
    const images = applyOverlay(loadImagesFile(path.join(estateDir, "images.yaml"), "images.yaml"), overlay, { lock });
    expect(images.images.map((i) => i.name)).not.toContain("e2e-runner");
    const estate = buildEstate(images, lock);
    expect(estate.images.find((i) => i.spec.name === "report-worker")?.spec.rebuildDelay).toBe("2d");
    expect(estate.bases.find((b) => b.key === "docker.io/library/python:3.12-slim")?.interval).toBe("6h");
  });

  it("drops base declarations only excluded images used, when given the lock", () => {
    const estateDir = path.join(ROOT, "examples", "estate");
    const lock = readLock(estateDir);
    const full = loadImagesFile(path.join(estateDir, "images.yaml"), "images.yaml");
    // node:22-bookworm-slim is declared, and only backstage and report-worker are built on it.
    const overlay = parseOverlayText("images:\n  exclude: [backstage, report-worker]\n", "o.yaml");
    expect(applyOverlay(full, overlay).bases.map((b) => b.base)).toContain("node:22-bookworm-slim");
    const pruned = applyOverlay(full, overlay, { lock });
    expect(pruned.bases.map((b) => b.base)).not.toContain("node:22-bookworm-slim");
    expect(() => buildEstate(pruned, lock)).not.toThrow();
  });

  it("reads stacks/<stack>.yaml only when it exists, and a named overlay must exist", () => {
    expect(loadStackOverlay({ projectDir: ROOT, stack: "dev" })).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-overlay-"));
    expect(problemsOf(() => loadStackOverlay({ projectDir: dir, stack: "dev", overlay: "envs/dev.yaml" }))).toEqual(["- : file not found"]);
  });
});
