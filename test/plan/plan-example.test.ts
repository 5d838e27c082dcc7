// `image-factory plan` with no arguments: the README's first command, on the example estate.
import { beforeAll, expect, it } from "vitest";
import { type CliRun, runCli } from "../cli/helpers";

let run: CliRun;
beforeAll(async () => {
  run = await runCli(["plan"]);
});

it("prints the review summary of the example estate and exits 0", () => {
  expect(run.code).toBe(0);
  // Nothing on stderr: what render had to assume is in the summary's notes.
  expect(run.stderr).toBe("");
  const md = run.stdout;
  expect(md.startsWith("## image-factory plan: stack `dev`\n")).toBe(true);
  expect(md).toContain("6 images in 2 repositories from `examples/estate/images.yaml`");
  for (const section of ["### Resources", "### Rebuild graph", "### When a base moves", "### Rebuilds", "### Registry polling", "### Warnings (3)", "### Notes"]) {
    expect(md).toContain(`\n${section}\n`);
  }
  expect(md).toContain("```mermaid\nflowchart LR\n");
  // dev is the canary of prod: what its rebuilds do, first sight, and what it cannot dry-run.
  expect(md).toMatch(/\d+ rebuild Stages? dispatch dry runs \(this stack is a canary/);
  expect(md).toContain("first sight of a base");
  expect(md).toMatch(/No dry run for [^\n]*backstage[^\n]*: their workflows do not declare `dry_run`/);
  // python:3.12-slim rebuilds python-base and uv, and metrics-service through python-base.
  expect(md).toMatch(/\| `python:3\.12-slim` +\| python-base, uv +\| 3 +\| 3 +\|/);
  expect(md).toMatch(/\| `mcr\.microsoft\.com\/playwright:v1\.48\.0-noble` +\| e2e-runner +\| 0 +\| 0 +\|.*\| e2e-runner +\|/);
  // node:22-bookworm-slim polls every 6 hours of its own (examples/estate/images.yaml).
  expect(md).toMatch(/\| docker\.io +\| 2 +\| 1h; own: 6h +\| 2\.3 +\| 10 +\| 16\.7 +\| ok +\|/);
  expect(md).toContain("docker.io: Docker Hub, anonymous: 100 pulls per 6 hours per IP address, shared with everything behind it.");
  // A registry whose only Warehouse declares its own interval shows that interval.
  expect(md).toMatch(/\| gcr\.io +\| 1 +\| 12h +\| 0\.2 +\|/);
  expect(md).toContain("- image e2e-runner: autoRebuild is false");
  expect(md).toContain("- image backstage: its own workflow acme/platform/backstage.yml does not accept base_digest");
  // Plain text: the same bytes work in a terminal and in a PR comment.
  expect(md).not.toMatch(/\u001b\[/);
});
