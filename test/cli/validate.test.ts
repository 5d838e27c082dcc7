import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

describe("image-factory validate", () => {
  it("accepts the example estate with a one-line summary", async () => {
    const r = await runCli(["validate", "--images", "examples/estate/images.yaml"], ROOT);
    expect(r).toEqual({
      code: 0,
      stdout: "examples/estate/images.yaml: valid: 6 images in 2 repositories, 2 generated workflows, 2 declared bases\n",
      // The generated workflow's scan does not reach images with a workflow of their own: validate says so.
      stderr: "note: backstage, e2e-runner, metrics-service are built by a workflow of their own: scanning those builds is that workflow's job (images.yaml scan applies to generated workflows and to image-factory rescan)\n",
    });
  });

  it("defaults to the default stack: dev, or the one $IMAGE_FACTORY_STACK names", async () => {
    const r = await runCli(["validate"], ROOT);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Pulumi\.dev\.yaml: valid: 6 of 6 images enrolled, .*, lock up to date with the Dockerfiles\n$/);
    const prod = await runCli(["validate"], ROOT, { IMAGE_FACTORY_STACK: "prod" });
    expect(prod.code).toBe(0);
    expect(prod.stdout).toMatch(/^Pulumi\.prod\.yaml with stacks\/prod\.yaml: valid: 5 of 6 images enrolled/);
  });

  it("prints every problem on stderr and exits 1", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-validate-"));
    fs.writeFileSync(path.join(dir, "images.yaml"), "- name: A\n  repository: a/b\n  source: {repo: a/b}\n  versionBump: huge\n");
    const r = await runCli(["validate", "--images", "images.yaml"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        'images.yaml:1: image "A": name: must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit, got "A"',
        'images.yaml:4: image "A": versionBump: must be patch, minor or major, got "huge"',
        "2 problems found.",
        "",
      ].join("\n"),
    );
  });

  it("reports a missing file as a problem, not a crash", async () => {
    const r = await runCli(["validate", "--images", "nope.yaml"], os.tmpdir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nope.yaml: file not found");
  });

  it("has --help everywhere and exits 2 on usage errors", async () => {
    expect((await runCli(["--help"])).code).toBe(0);
    const help = await runCli(["validate", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: image-factory validate [--stack NAME]...");
    expect(help.stdout).toContain("image-factory validate --images FILE");
    const unknownOption = await runCli(["validate", "--imgs", "x"]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--imgs'");
    const unknownCommand = await runCli(["vaildate"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "vaildate"');
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(["validate", "extra"])).code).toBe(2);
  });
});

describe("image-factory validate --stack", () => {
  it("checks each stack as the program does, overlay included, with one line each", async () => {
    const r = await runCli(["validate", "--stack", "dev", "--stack", "prod"]);
    // One note per stack: prod does not enroll e2e-runner.
    expect(r.stderr).toBe(
      "note: backstage, e2e-runner, metrics-service are built by a workflow of their own: scanning those builds is that workflow's job (images.yaml scan applies to generated workflows and to image-factory rescan)\n" +
        "note: backstage, metrics-service are built by a workflow of their own: scanning those builds is that workflow's job (images.yaml scan applies to generated workflows and to image-factory rescan)\n",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Pulumi\.dev\.yaml: valid: 6 of 6 images enrolled, 5 watched bases, \d+ Kargo objects, delivery direct, builds canary, lock up to date with the Dockerfiles\n/,
    );
    expect(r.stdout).toContain(
      "Pulumi.prod.yaml with stacks/prod.yaml: valid: 5 of 6 images enrolled, 4 watched bases, 26 Kargo objects, delivery gitops, builds owner, lock up to date with the Dockerfiles\n",
    );
  });

  it("refuses two stacks that would both own the builds of one image, naming the stack and the image", async () => {
    const r = await runCli(["validate", "--stack", "dev", "--stack", "prod", "--config", "builds=owner"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Pulumi.prod.yaml: image-factory:builds: owns the builds of image "uv" (acme/platform) as Pulumi.dev.yaml does; exactly one stack may own them');
    // e2e-runner is enrolled by dev only (stacks/prod.yaml leaves it out): no conflict for it.
    expect(r.stderr).not.toContain('"e2e-runner"');
  });

  it("reports every problem of a broken overlay with its file, line and field", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-overlay-"));
    const overlay = path.join(dir, "broken.yaml");
    fs.writeFileSync(overlay, "images:\n  exclude: [e2e-runer]\noverrides:\n  uv: {rebuildDelay: 3x}\n");
    const r = await runCli(["validate", "--stack", "dev", "--config", `overlay=${overlay}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${overlay}:4: overrides.uv.rebuildDelay: must be a duration`);
    fs.writeFileSync(overlay, "images:\n  exclude: [e2e-runer]\n");
    const unknown = await runCli(["validate", "--stack", "dev", "--config", `overlay=${overlay}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`${overlay}:2: images.exclude[0]: names image "e2e-runer", which examples/estate/images.yaml does not have; did you mean e2e-runner?`);
  });

  it("names a missing stack file, and rejects --images with --stack", async () => {
    const missing = await runCli(["validate", "--stack", "staging"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Pulumi.staging.yaml: no such stack file (stacks: dev, prod)");
    expect((await runCli(["validate", "--stack", "dev", "--images", "x.yaml"])).code).toBe(2);
    expect((await runCli(["validate", "--images", "x.yaml", "--config", "overlay=x.yaml"])).code).toBe(2);
  });
});

describe("the installed bin", () => {
  it("runs the TypeScript sources with no build step", () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, "bin", "image-factory.js"), "validate"], { cwd: ROOT, encoding: "utf8" });
    expect(out).toMatch(/^Pulumi\.dev\.yaml: valid: 6 of 6 images enrolled/);
  });

  it("exits with the command's code", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "image-factory.js"), "validate", "--nope"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
