// `image-factory init` on a small tree: one image per Dockerfile, the repository from the
// checkout's origin remote, the recorded default branch, contexts, and what it cannot know
// marked NOT KNOWN; never over an existing file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoFromRemote } from "../../src/cli/init-scan";
import { runCli } from "./helpers";

function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

/** Two checkouts: one cloned from GitHub (remote, origin/HEAD), one with no remote. */
function tree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "if-init-"));
  write(root, "platform/.git/config", '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/platform.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
  write(root, "platform/.git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/trunk\n");
  write(root, "platform/Dockerfile", "FROM node:22\n");
  write(root, "platform/apps/api/Dockerfile", "FROM python:3.12-slim\n");
  write(root, "platform/apps/api/Dockerfile.debug", "FROM python:3.12\n");
  write(root, "platform/node_modules/pkg/Dockerfile", "FROM ignored\n");
  write(root, "platform/.github/workflows/api.yml", "jobs: {build: {steps: [{run: docker build -f apps/api/Dockerfile .}]}}\n");
  write(root, "tools/worker/Dockerfile", "FROM alpine\n");
  return root;
}

describe("image-factory init", () => {
  it("writes one image per Dockerfile with what the checkout tells, and marks the rest NOT KNOWN", async () => {
    const root = tree();
    const r = await runCli(["init", "platform", "tools", "--out", "estate/images.yaml"], root);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("estate/images.yaml: written: 4 images from 2 checkouts");
    const text = fs.readFileSync(path.join(root, "estate", "images.yaml"), "utf8");
    const images = parse(text) as Array<{ name: string; source: Record<string, string> }>;
    expect(images.map((i) => [i.name, i.source])).toEqual([
      ["platform", { repo: "acme/platform", branch: "trunk", dockerfile: "Dockerfile" }],
      ["api", { repo: "acme/platform", branch: "trunk", dockerfile: "apps/api/Dockerfile", context: "apps/api" }],
      ["api-debug", { repo: "acme/platform", branch: "trunk", dockerfile: "apps/api/Dockerfile.debug", context: "apps/api" }],
      ["worker", { dockerfile: "worker/Dockerfile", context: "worker" }],
    ]);
    // Nothing guessed: the registry repository and the remote-less checkout's repo are marked.
    expect(text.match(/# repository: NOT KNOWN/g)).toHaveLength(4);
    expect(text).toContain("# repo: NOT KNOWN: tools has no git origin remote; set owner/name (or pass --repo)");
    expect(text).toContain("# workflow: api.yml   # mentions this Dockerfile");
    // Until filled in, validate says exactly what is missing.
    const check = await runCli(["validate", "--images", "estate/images.yaml"], root);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('image "api": repository:');
    expect(check.stderr).toContain('image "worker": source.repo:');
  });

  it("never overwrites a file, and takes --repo for a checkout without a remote", async () => {
    const root = tree();
    fs.writeFileSync(path.join(root, "images.yaml"), "# mine\n");
    const refused = await runCli(["init", "tools"], root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("images.yaml: already exists; init never overwrites a file");
    expect(fs.readFileSync(path.join(root, "images.yaml"), "utf8")).toBe("# mine\n");
    const printed = await runCli(["init", "tools", "--repo", "acme/tools", "--out", "-"], root);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain("    repo: acme/tools\n");
    expect((await runCli(["init", "a", "b", "--repo", "acme/x"], root)).code).toBe(2);
  });

  it("reads owner/name from the remote URL forms git uses", () => {
    expect(repoFromRemote("git@github.com:acme/platform.git")).toBe("acme/platform");
    expect(repoFromRemote("https://github.com/acme/platform")).toBe("acme/platform");
    expect(repoFromRemote("ssh://git@ghe.example.com:2222/acme/platform.git")).toBe("acme/platform");
    expect(repoFromRemote("https://gitlab.com/group/sub/project.git")).toBeUndefined();
  });
});
