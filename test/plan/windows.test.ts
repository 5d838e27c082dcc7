// The plan's "Rebuild windows" section: each image's window and when it next opens, counted
// from the plan's clock (here a fixed instant), and the warning near the offset table's end.
import { describe, expect, it } from "vitest";
import { formatMarkdown } from "../../src/plan/format";
import { buildPlan } from "../../src/plan/plan";
import { diamond, image } from "./fixtures";

const settings = {
  registries: {},
  delivery: { mode: "direct" as const, branch: "main", path: "kargo", argocd: { name: "a", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" } },
  github: { factoryBranch: "main", analyzeWorkflow: "analyze.yml", manageRepoSettings: false, manageEnvironment: false, reviewers: { users: [], teams: [] } },
};
const render = { project: "p", stack: "prod", resources: [], files: new Map<string, string>(), logs: [], notes: [] };

function planAt(now: string, windowed = true) {
  const estate = diamond();
  if (windowed) {
    for (const node of estate.images) {
      if (node.spec.name === "a") node.spec = { ...node.spec, rebuildWindow: { days: ["sat", "sun"], from: "01:00", to: "05:00", timeZone: "Europe/London" } };
      if (node.spec.name === "e") node.spec = { ...node.spec, rebuildWindow: { days: ["sun"], from: "22:00", to: "04:00", timeZone: "America/New_York" } };
    }
  }
  return buildPlan({ render, estate, settings, imagesFile: { file: "images.yaml", images: 4 }, now: new Date(now) });
}

describe("plan: rebuild windows", () => {
  it("lists each window with when it next opens and closes, in its zone and UTC", () => {
    const plan = planAt("2026-12-01T19:00:00Z");
    expect(plan.windows).toEqual([
      { image: "a", window: "sat, sun 01:00–05:00 Europe/London", openNow: false, nextOpen: "Sat 2026-12-05 01:00 Europe/London (01:00 UTC)", closes: "Sat 2026-12-05 05:00 Europe/London (05:00 UTC)" },
      { image: "e", window: "sun 22:00–04:00 (next day) America/New_York", openNow: false, nextOpen: "Sun 2026-12-06 22:00 America/New_York (Mon 03:00 UTC)", closes: "Mon 2026-12-07 04:00 America/New_York (09:00 UTC)" },
    ]);
    const md = formatMarkdown(plan);
    expect(md).toContain("### Rebuild windows");
    expect(md).toContain("a promotion by hand dispatches at once");
    expect(md).toContain("through 2045-12-31");
    expect(md).toMatch(/\| a +\| sat, sun 01:00–05:00 Europe\/London +\| Sat 2026-12-05 01:00 Europe\/London \(01:00 UTC\) +\| Sat 2026-12-05 05:00 Europe\/London \(05:00 UTC\) +\|/);
  });

  it("says a window is open now, and when it closes", () => {
    const md = formatMarkdown(planAt("2026-12-05T03:10:00Z"));
    expect(md).toMatch(/\| a +\| sat, sun 01:00–05:00 Europe\/London +\| open now +\| Sat 2026-12-05 05:00 Europe\/London \(05:00 UTC\) +\|/);
  });

  it("leaves out an image a canary stack does not rebuild (its own workflow takes no dry_run)", () => {
    const estate = diamond();
    const window = { days: ["sat" as const], from: "01:00", to: "05:00", timeZone: "UTC" };
    const own = image("own", [{ base: "docker.io/library/node:22" }], { source: { repo: "acme/mono", dockerfile: "own/Dockerfile", workflow: "own.yml" } });
    own.spec = { ...own.spec, rebuildWindow: window };
    estate.images[0].spec = { ...estate.images[0].spec, rebuildWindow: window };
    estate.images.push(own);
    const at = (builds: "owner" | "canary") => buildPlan({ render, estate, settings: { ...settings, builds }, imagesFile: { file: "images.yaml", images: 5 }, now: new Date("2026-12-01T19:00:00Z") }).windows.map((w) => w.image);
    expect(at("owner")).toEqual(["a", "own"]);
    expect(at("canary")).toEqual(["a"]);
  });

  it("has no section when no image has a window", () => {
    const plan = planAt("2026-12-01T19:00:00Z", false);
    expect(plan.windows).toEqual([]);
    expect(formatMarkdown(plan)).not.toContain("Rebuild windows");
  });

  it("warns within a year of the offset table's end, and after it", () => {
    const warning = (now: string) => planAt(now).warnings.filter((w) => w.startsWith("rebuild windows"));
    expect(warning("2044-12-31T00:00:00Z")).toEqual([]);
    expect(warning("2045-03-01T00:00:00Z")[0]).toMatch(/^rebuild windows: the UTC offsets built into the window steps ends with 2045-12-31/);
    expect(warning("2046-03-01T00:00:00Z")[0]).toMatch(/ended with 2045-12-31; after it each zone keeps its last offset/);
  });
});
