// dev and prod render the same estate; prod owns the builds and dev is its canary. Rendered as
// a user would (one process per stack), the two must never both commit a workflow file, nor
// both dispatch a real (not dry-run) build of the same workflow.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { imageFactory, readTree } from "./child";

interface Rendered {
  /** `owner/repo/path` of every committed workflow file. */
  workflowFiles: string[];
  /** Every workflow dispatch of a rebuild Stage: its URL and whether it is a dry run. */
  dispatches: Array<{ stage: string; url: string; dryRun: boolean }>;
}

function render(stack: string): Rendered {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `if-roles-${stack}-`));
  const out = path.join(dir, "out");
  const run = imageFactory(["render", "--stack", stack, "--out", out]);
  if (run.code !== 0) throw new Error(`render --stack ${stack} failed: ${run.stderr}`);
  const tree = readTree(out);
  const workflowFiles = [...tree.keys()].filter((f) => f.startsWith("github/") && f.includes("/.github/workflows/")).map((f) => f.slice("github/".length));
  const dispatches: Rendered["dispatches"] = [];
  for (const [file, content] of tree) {
    // Kargo objects: applied directly (kubernetes/), or committed for Argo CD (a state repository's YAML).
    if (!/\.ya?ml$/.test(file) || file.includes("/.github/workflows/")) continue;
    for (const doc of parseAllDocuments(content.toString("utf8"))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name: string }; spec?: any };
      if (o?.kind !== "Stage" || !o.metadata!.name.startsWith("rebuild-")) continue;
      for (const step of o.spec.promotionTemplate.spec.steps) {
        if (step.uses !== "http" || !String(step.config.url).endsWith("/dispatches")) continue;
        dispatches.push({ stage: o.metadata!.name, url: step.config.url, dryRun: String(step.config.body).includes('"dry_run": "true"') });
      }
    }
  }
  return { workflowFiles, dispatches };
}

describe("one owner per build: dev is the canary of prod", () => {
  let dev: Rendered;
  let prod: Rendered;
  beforeAll(() => {
    dev = render("dev");
    prod = render("prod");
  }, 240_000);

  it("commits each workflow file from one stack only: prod's", () => {
    expect(prod.workflowFiles.length).toBeGreaterThan(0);
    expect(dev.workflowFiles).toEqual([]);
    expect(prod.workflowFiles.filter((f) => dev.workflowFiles.includes(f))).toEqual([]);
  });

  it("never has two stacks dispatch a real build of the same workflow", () => {
    expect(prod.dispatches.length).toBeGreaterThan(0);
    expect(prod.dispatches.every((d) => !d.dryRun)).toBe(true);
    // dev dry-runs the generated workflows prod owns (and nothing that cannot take a dry run).
    expect(dev.dispatches.map((d) => d.stage).sort()).toEqual(["rebuild-python-base", "rebuild-report-worker", "rebuild-uv"]);
    for (const d of dev.dispatches) expect(d.dryRun, `${d.stage} in dev`).toBe(true);
    for (const d of dev.dispatches) expect(prod.dispatches.map((p) => p.url), `${d.stage}: the workflow prod owns`).toContain(d.url);
    const realInProd = new Set(prod.dispatches.map((d) => d.url));
    for (const d of dev.dispatches) expect(!d.dryRun && realInProd.has(d.url), `${d.url} built for real by both`).toBe(false);
  });
});
