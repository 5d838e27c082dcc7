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
      stdout: "examples/estate/images.yaml: valid: 6 images in 2 repositories, 3 generated workflows, 2 declared bases\n",
      stderr: "",
    });
  });

  it("defaults to the embedded example estate", async () => {
    const r = await runCli(["validate"], ROOT);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^examples\/estate\/images\.yaml: valid: /);
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
    expect(help.stdout).toContain("Usage: image-factory validate [--images FILE]");
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

describe("the installed bin", () => {
  it("runs the TypeScript sources with no build step", () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, "bin", "image-factory.js"), "validate"], { cwd: ROOT, encoding: "utf8" });
    expect(out).toMatch(/valid: 6 images/);
  });

  it("exits with the command's code", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "image-factory.js"), "validate", "--nope"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
