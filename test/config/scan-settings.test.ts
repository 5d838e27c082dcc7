// images.yaml `scan`: defaults, off, and every mistake reported with file, line, image and field.
import { describe, expect, it } from "vitest";
import { parseImagesText } from "../../src/config/images";
import { parseOverlayText } from "../../src/config/overlay";
import { problemsOf } from "../helpers/problems";

const FILE = "images.yaml";
const image = (scan = "") => `- name: app
  repository: acme/app
  source:
    repo: acme/app
${scan}`;

describe("images.yaml scan", () => {
  it("defaults to failing on CRITICAL with unfixed findings ignored", () => {
    expect(parseImagesText(image(), FILE).images[0].scan).toEqual({ failOn: ["CRITICAL"], ignoreUnfixed: true });
  });

  it("takes false (no scan), another threshold, an empty failOn (report only) and ignoreUnfixed: false", () => {
    expect(parseImagesText(image("  scan: false\n"), FILE).images[0].scan).toBe(false);
    expect(parseImagesText(image("  scan: {failOn: [HIGH, CRITICAL]}\n"), FILE).images[0].scan).toEqual({ failOn: ["HIGH", "CRITICAL"], ignoreUnfixed: true });
    expect(parseImagesText(image("  scan: {failOn: [], ignoreUnfixed: false}\n"), FILE).images[0].scan).toEqual({ failOn: [], ignoreUnfixed: false });
    expect(parseImagesText(image("  scan: {failOn: [UNKNOWN, CRITICAL]}\n"), FILE).images[0].scan).toMatchObject({ failOn: ["UNKNOWN", "CRITICAL"] });
  });

  it("names file, line, image and field for an unknown severity, a duplicate, a gap, a wrong type and an unknown key", () => {
    expect(problemsOf(() => parseImagesText(image("  scan:\n    failOn: [HIHG, CRITICAL]\n"), FILE))).toEqual([
      'images.yaml:6: image "app": scan.failOn[0]: must be one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL (upper case, as Trivy writes them), got "HIHG"',
    ]);
    expect(problemsOf(() => parseImagesText(image("  scan:\n    failOn: [CRITICAL, CRITICAL]\n"), FILE))).toEqual(['images.yaml:6: image "app": scan.failOn: lists CRITICAL twice']);
    expect(problemsOf(() => parseImagesText(image("  scan:\n    failOn: [HIGH]\n"), FILE))).toEqual([
      'images.yaml:6: image "app": scan.failOn: lists HIGH but not CRITICAL: a finding more severe than one that fails the build must fail it too',
    ]);
    expect(problemsOf(() => parseImagesText(image("  scan:\n    failOn: HIGH\n"), FILE))).toEqual([
      'images.yaml:6: image "app": scan.failOn: must be a list of severities, e.g. [HIGH, CRITICAL], got string "HIGH"',
    ]);
    expect(problemsOf(() => parseImagesText(image("  scan:\n    ignoreUnfixed: yes\n"), FILE))).toEqual(['images.yaml:6: image "app": scan.ignoreUnfixed: must be true or false, got string "yes"']);
    expect(problemsOf(() => parseImagesText(image("  scan:\n    failon: [HIGH]\n"), FILE))).toEqual(['images.yaml:6: image "app": scan.failon: unknown key failon, did you mean failOn?']);
    expect(problemsOf(() => parseImagesText(image("  scan: true\n"), FILE))).toEqual([
      'images.yaml:5: image "app": scan: must be false or a mapping {failOn: [...], ignoreUnfixed: true|false}',
    ]);
  });

  it("is not a stack setting: an overlay's defaults or overrides naming scan are refused with the reason", () => {
    const problems = problemsOf(() => parseOverlayText("defaults:\n  scan: false\noverrides:\n  app:\n    scan: {failOn: [HIGH, CRITICAL]}\n", "stacks/prod.yaml"));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^stacks\/prod\.yaml:2: defaults\.scan: scan is set per image in images\.yaml, not per stack/);
    expect(problems[1]).toMatch(/^stacks\/prod\.yaml:5: overrides\.app\.scan: /);
  });
});
