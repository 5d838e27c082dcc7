import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { readProjectFile, readStackValues } from "../../src/render/stack-files";

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-stack-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const PULUMI_YAML = "name: image-factory\nruntime: nodejs\n";

describe("readStackValues", () => {
  it("passes values as Pulumi does: namespaced, scalars as text, objects as JSON", () => {
    const dir = project({
      "Pulumi.yaml": PULUMI_YAML,
      "Pulumi.dev.yaml": [
        "config:",
        "  kargoProject: estate            # no namespace: the project's",
        "  image-factory:github:",
        "    owner: acme",
        "    reviewers: {users: [1]}",
        "  kubernetes:context: kind-dev",
        "  image-factory:flag: true",
        "  image-factory:count: 3",
      ].join("\n"),
    });
    const v = readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev" });
    expect(v.config).toMatchObject({
      "image-factory:kargoProject": "estate",
      "image-factory:github": JSON.stringify({ owner: "acme", reviewers: { users: [1] } }),
      "kubernetes:context": "kind-dev",
      "image-factory:flag": "true",
      "image-factory:count": "3",
    });
    expect(Object.keys(v.config)).toEqual([...Object.keys(v.config)].sort());
  });

  it("replaces secure values, even nested ones, by visible placeholders marked secret", () => {
    const dir = project({
      "Pulumi.yaml": PULUMI_YAML,
      "Pulumi.prod.yaml": [
        "config:",
        "  image-factory:githubToken:",
        "    secure: AAABAJ1v9ciphertext==",
        "  image-factory:webhook:",
        "    url: https://hooks.example.com",
        "    key: {secure: AAABAKey==}",
      ].join("\n"),
    });
    const v = readStackValues(readProjectFile(dir), { projectDir: dir, stack: "prod" });
    expect(v.config["image-factory:githubToken"]).toBe("[secret image-factory:githubToken]");
    expect(JSON.parse(v.config["image-factory:webhook"])).toEqual({ url: "https://hooks.example.com", key: "[secret image-factory:webhook.key]" });
    // gitlabToken, when a stack has none, is stood in for too (only GitLab sources read it).
    expect(v.secretKeys).toEqual(["image-factory:githubToken", "image-factory:gitlabToken", "image-factory:webhook"]);
    expect(JSON.stringify(v)).not.toContain("ciphertext");
  });

  it("applies overrides last; a secret key stays secret and a missing token gets a placeholder", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config:\n  image-factory:kargoProject: a\n" });
    const projectFile = readProjectFile(dir);
    const none = readStackValues(projectFile, { projectDir: dir, stack: "dev" });
    expect(none.config["image-factory:githubToken"]).toBe("[secret image-factory:githubToken]");
    expect(none.secretKeys).toEqual(["image-factory:githubToken", "image-factory:gitlabToken"]);
    expect(none.config["image-factory:gitlabToken"]).toBe("[secret image-factory:gitlabToken]");
    expect(none.notes.join("\n")).toContain("image-factory:githubToken is not set in Pulumi.dev.yaml");

    const v = readStackValues(projectFile, { projectDir: dir, stack: "dev", overrides: ["kargoProject=b", "image-factory:githubToken=ghp_x1", "github:token=ghp_y2", "a=b=c"] });
    expect(v.config).toMatchObject({ "image-factory:kargoProject": "b", "image-factory:githubToken": "ghp_x1", "github:token": "ghp_y2", "image-factory:a": "b=c" });
    expect(v.secretKeys).toEqual(["github:token", "image-factory:githubToken", "image-factory:gitlabToken"]);
    expect(v.secretValues).toEqual(["[secret image-factory:gitlabToken]", "ghp_x1", "ghp_y2"]);
  });

  it("reads project defaults and honours stackConfigDir", () => {
    const dir = project({
      "Pulumi.yaml": `${PULUMI_YAML}stackConfigDir: envs\nconfig:\n  kargoProject:\n    default: from-project\n  image-factory:images: a.yaml\n`,
      "envs/Pulumi.qa.yaml": "config:\n  image-factory:images: b.yaml\n",
    });
    const v = readStackValues(readProjectFile(dir), { projectDir: dir, stack: "qa" });
    expect(v.config).toMatchObject({ "image-factory:kargoProject": "from-project", "image-factory:images": "b.yaml" });
  });

  it("names a missing stack file and the stacks that exist", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n", "Pulumi.prod.yaml": "config: {}\n" });
    let error: unknown;
    try {
      readStackValues(readProjectFile(dir), { projectDir: dir, stack: "staging" });
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe("Pulumi.staging.yaml: no such stack file (stacks: dev, prod)");
  });

  it("rejects a malformed override and a stack file that is not a mapping", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "- a\n" });
    expect(() => readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev" })).toThrow("Pulumi.dev.yaml: must be a mapping, got a list");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    expect(() => readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev", overrides: ["novalue"] })).toThrow("--config: value #1 is not KEY=VALUE");
  });

  it("never echoes a --config value it cannot parse: neither VALUE nor KEY:VALUE", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n" });
    for (const override of ["ghp_secretTokenValue123", "image-factory:githubToken:ghp_secretTokenValue123", "=ghp_secretTokenValue123", "ghp secret token=x"]) {
      let message = "";
      try {
        readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev", overrides: [override] });
      } catch (e) {
        expect(isUserError(e)).toBe(true);
        message = (e as Error).message;
      }
      expect(message).toMatch(/^--config: value #1 /);
      expect(message).not.toContain("ghp");
      expect(message).not.toContain("secretToken");
    }
  });

  it("refuses an empty, blank or header-unsafe githubToken without showing it", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n" });
    for (const token of ["", "   ", "ghp_abc\ndef", "ghp_abc\r\nX-Evil: 1", "ghp_ab c", "ghp_\u2028x"]) {
      let message = "";
      try {
        readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev", overrides: [`image-factory:githubToken=${token}`] });
      } catch (e) {
        expect(isUserError(e)).toBe(true);
        message = (e as Error).message;
      }
      expect(message).toContain("image-factory:githubToken: ");
      if (token.trim()) expect(message).not.toContain(token.trim().slice(0, 6));
    }
  });
});
