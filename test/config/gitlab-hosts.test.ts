// The GitLab hosts a stack's GitLab token is for (image-factory:gitlab.hosts): an image whose
// source names another host is refused by validate and by the program before anything is
// declared, so a merged images.yaml line cannot send the token elsewhere.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { gitlabHostProblems } from "../../src/config/gitlab-hosts";
import { parseImagesText } from "../../src/config/images";
import { parseStackSettings } from "../../src/config/stack";
import { runProgram } from "../helpers/program-run";
import { runCli } from "../cli/helpers";

const TOKEN = "glpat-CANARY-hosts-never-shown";
const settingsOf = (raw: Record<string, string>) => parseStackSettings(raw, { source: "Pulumi.dev.yaml", projectDir: "/p" });

describe("image-factory:gitlab", () => {
  it("defaults to gitlab.com and takes other hosts (with a port) as the images' source.host spells them", () => {
    expect(settingsOf({}).gitlab).toEqual({ hosts: ["gitlab.com"] });
    expect(settingsOf({ gitlab: JSON.stringify({ hosts: ["gitlab.com", "git.acme.example:8443"] }) }).gitlab.hosts).toEqual(["gitlab.com", "git.acme.example:8443"]);
  });

  it("refuses an empty list, a host with a scheme or path, and unknown keys", () => {
    const problems = (value: unknown) => {
      try {
        settingsOf({ gitlab: JSON.stringify(value) });
      } catch (e) {
        if (isUserError(e)) return e.problems.map((p) => `${p.field}: ${p.message}`);
        throw e;
      }
      return [];
    };
    expect(problems({ hosts: [] })).toEqual(["image-factory:gitlab.hosts: must name at least one GitLab host"]);
    expect(problems({ hosts: ["https://gitlab.com"] })[0]).toMatch(/^image-factory:gitlab\.hosts\[0\]: /);
    expect(problems({ hosts: ["gitlab.com/acme"] })[0]).toMatch(/^image-factory:gitlab\.hosts\[0\]: /);
    expect(problems({ host: ["gitlab.com"] })).toEqual(["image-factory:gitlab.host: unknown key"]);
  });
});

const IMAGES = [
  "- name: docs",
  "  repository: acme/docs",
  "  source: {provider: gitlab, repo: acme/web/docs}",
  "- name: tools",
  "  repository: acme/tools",
  "  source: {provider: gitlab, host: evil.example, repo: acme/tools}",
  "- name: api",
  "  repository: acme/api",
  "  source: {repo: acme/api}",
  "",
].join("\n");

describe("gitlabHostProblems", () => {
  const { images } = parseImagesText(IMAGES, "images.yaml");
  it("names the file, the image, source.host and the stack key to change, for each GitLab image on an unlisted host", () => {
    expect(gitlabHostProblems(images, ["gitlab.com"], { imagesFile: "images.yaml", configFile: "Pulumi.prod.yaml" })).toEqual([
      {
        file: "images.yaml",
        subject: "tools",
        field: "source.host",
        message:
          'GitLab host "evil.example" is not one the stack\'s GitLab token is for (image-factory:gitlab.hosts in Pulumi.prod.yaml: gitlab.com): the token is never sent to another host. ' +
          "If the token belongs to it, add it (pulumi config set --path 'image-factory:gitlab.hosts[1]' evil.example); otherwise fix source.host",
      },
    ]);
    expect(gitlabHostProblems(images, ["gitlab.com", "evil.example"], { imagesFile: "images.yaml", configFile: "Pulumi.prod.yaml" })).toEqual([]);
    // Hosts are compared whole: a port makes another host.
    expect(gitlabHostProblems(images, ["gitlab.com:443", "evil.example"], { imagesFile: "i", configFile: "c" }).map((p) => p.subject)).toEqual(["docs"]);
  });
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** images.yaml and a lock for IMAGES in a fresh folder. */
function estateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-gitlab-hosts-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "images.yaml"), IMAGES);
  const entry = (name: string, repo: string, host?: string) =>
    `  ${name}:\n    inputs:\n      repo: ${repo}\n${host ? `      host: ${host}\n` : ""}      branch: main\n      dockerfile: Dockerfile\n      buildArgs: {}\n      platforms: [linux/amd64]\n    bases:\n      - reference: docker.io/library/node:22\n        runtime: true\n        line: 1\n`;
  fs.writeFileSync(
    path.join(dir, "images.lock.yaml"),
    `version: 1\nimages:\n${entry("api", "acme/api")}${entry("docs", "acme/web/docs", "gitlab.com")}${entry("tools", "acme/tools", "evil.example")}bases:\n  docker.io/library/node:22: [api, docs, tools]\n`,
  );
  return dir;
}

describe("a stack whose images.yaml names an unlisted GitLab host", () => {
  it("is refused by the program before it declares anything", async () => {
    const dir = estateDir();
    const { error, declared } = await runProgram({
      config: {
        "image-factory:images": path.join(dir, "images.yaml"),
        "image-factory:githubToken": "token-value",
        "image-factory:gitlabToken": TOKEN,
        "image-factory:kubernetes": JSON.stringify({ context: "test" }),
      },
      secretKeys: ["image-factory:githubToken", "image-factory:gitlabToken"],
    });
    expect(isUserError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/images\.yaml: tools: source\.host: GitLab host "evil\.example" is not one the stack's GitLab token is for \(image-factory:gitlab\.hosts in Pulumi\.dev\.yaml: gitlab\.com\)/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(declared).toEqual([]);
  });

  it("is refused by validate, and passes that check once the stack lists the host", async () => {
    const dir = estateDir();
    const images = `images=${path.join(dir, "images.yaml")}`;
    const refused = await runCli(["validate", "--stack", "dev", "--config", images, "--config", `gitlabToken=${TOKEN}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('tools: source.host: GitLab host "evil.example" is not one the stack\'s GitLab token is for (image-factory:gitlab.hosts in Pulumi.dev.yaml: gitlab.com)');
    expect(refused.stderr + refused.stdout).not.toContain(TOKEN);
    const listed = await runCli(["validate", "--stack", "dev", "--config", images, "--config", `gitlabToken=${TOKEN}`, "--config", `gitlab=${JSON.stringify({ hosts: ["gitlab.com", "evil.example"] })}`]);
    expect(listed.stderr).not.toContain("source.host");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("valid: 3 of 3 images enrolled");
  });
});
