// The stack is the unit: validate and analyze follow the stack's image-factory:images (and its
// lock), re-check the lock against the Dockerfiles when they are readable locally, and say
// "stale" with the command to run. Plus the CLI habits every command shares.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS, main } from "../../src/cli/main";
import { copyExampleEstate, ROOT } from "../render/child";
import { runCli } from "./helpers";

/** A copy of the example estate whose python-base Dockerfile moved to python:3.13 (lock not refreshed). */
function staleEstate(): string {
  const dir = copyExampleEstate();
  const dockerfile = path.join(dir, "sources", "acme", "platform", "images", "python-base", "Dockerfile");
  const text = fs.readFileSync(dockerfile, "utf8");
  expect(text).toMatch(/python:3\.12-slim/);
  fs.writeFileSync(dockerfile, text.replace(/python:3\.12-slim/g, "python:3.13-slim"));
  return dir;
}

describe("analyze --stack", () => {
  it("analyze --check follows the stack's images.yaml: a stale lock fails with a diff and the command to run", async () => {
    const dir = staleEstate();
    const images = path.join(dir, "images.yaml");
    const r = await runCli(["analyze", "--check", "--stack", "dev", "--config", `image-factory:images=${images}`], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\+ {6}- reference: docker\.io\/library\/python:3\.13-slim$/m);
    expect(r.stderr).toContain("images.lock.yaml is stale: run `image-factory analyze --stack dev` and commit the result");
    // The same check without --config reads the bundled example: up to date.
    expect((await runCli(["analyze", "--check", "--stack", "dev"], ROOT)).code).toBe(0);
  });

  it("analyze with no --stack uses $IMAGE_FACTORY_STACK, and writes the stack's lock", async () => {
    const dir = staleEstate();
    const images = path.join(dir, "images.yaml");
    const missing = await runCli(["analyze", "--check"], dir, { IMAGE_FACTORY_STACK: "staging" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Pulumi.staging.yaml: no such stack file (stacks: dev, prod)");
    const written = await runCli(["analyze", "--stack", "prod", "--config", `image-factory:images=${images}`, "--json"], dir);
    expect(written.code).toBe(0);
    expect(JSON.parse(written.stdout)).toMatchObject({ lock: "images.lock.yaml", status: "written", images: 6, from: "sources", problems: [] });
    expect(fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8")).toContain("python:3.13-slim");
    const check = await runCli(["analyze", "--check", "--json", "--stack", "prod", "--config", `image-factory:images=${images}`], dir);
    expect(JSON.parse(check.stdout)).toEqual({ lock: "images.lock.yaml", status: "fresh", problems: [] });
  });
});

describe("validate --stack", () => {
  it("fails on a stale lock when the Dockerfiles are in sources/ beside images.yaml, naming the command", async () => {
    const dir = staleEstate();
    const r = await runCli(["validate", "--stack", "dev", "--config", `image-factory:images=${path.join(dir, "images.yaml")}`], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Pulumi\.dev\.yaml: valid: 6 of 6 images enrolled/);
    expect(r.stderr).toContain("images.lock.yaml: stale: a Dockerfile changed since it was written; run `image-factory analyze --stack dev` and commit it");
  });

  it("says the lock was not checked when no checkout is readable", async () => {
    const dir = staleEstate();
    fs.rmSync(path.join(dir, "sources"), { recursive: true });
    const r = await runCli(["validate", "--stack", "dev", "--config", `image-factory:images=${path.join(dir, "images.yaml")}`], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("note: images.lock.yaml was not checked against the Dockerfiles: no local checkout");
    expect((await runCli(["validate", "--quiet", "--stack", "dev", "--config", `image-factory:images=${path.join(dir, "images.yaml")}`], dir)).stderr).toBe("");
  });

  it("prints one JSON object with --json: the stacks, the lock's status and every problem", async () => {
    const ok = await runCli(["validate", "--json", "--stack", "dev", "--stack", "prod"], ROOT);
    expect(ok.code).toBe(0);
    const parsed = JSON.parse(ok.stdout);
    expect(parsed).toMatchObject({ valid: true, problems: [] });
    expect(parsed.stacks.map((s: { stack: string; enrolled: number; lock: { status: string } }) => [s.stack, s.enrolled, s.lock.status])).toEqual([
      ["dev", 6, "fresh"],
      ["prod", 5, "fresh"],
    ]);
    const dir = staleEstate();
    const stale = await runCli(["validate", "--json", "--config", `image-factory:images=${path.join(dir, "images.yaml")}`], dir);
    expect(stale.code).toBe(1);
    const bad = JSON.parse(stale.stdout);
    expect(bad.valid).toBe(false);
    expect(bad.stacks[0].lock).toEqual({ file: "images.lock.yaml", status: "stale", command: "image-factory analyze --stack dev" });
    expect(bad.problems).toEqual([expect.objectContaining({ file: "images.lock.yaml", message: expect.stringContaining("stale") })]);
    const file = await runCli(["validate", "--json", "--images", "images.yaml"], dir);
    expect(JSON.parse(file.stdout)).toEqual({ valid: true, files: [{ file: "images.yaml", images: 6, repositories: 2, generatedWorkflows: 2, declaredBases: 2 }], problems: [] });
  });
});

describe("CLI habits", () => {
  it("prints its version with --version, -V and version", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const flag of ["--version", "-V", "version"]) expect(await runCli([flag])).toEqual({ code: 0, stdout: `image-factory ${pkg.version}\n`, stderr: "" });
  });

  it("suggests the command or flag that was meant", async () => {
    const command = await runCli(["vaildate"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "vaildate": did you mean `image-factory validate`?');
    const flag = await runCli(["validate", "--stak", "dev"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--stak': did you mean --stack?");
    const far = await runCli(["validate", "--zzzzzz"]);
    expect(far.stderr).not.toContain("did you mean");
  });

  it("lists every command with the summary its own help has", async () => {
    const top = await runCli(["--help"]);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
      expect(top.stdout).toContain(`  ${entry.name.padEnd(8)}  ${entry.summary}`);
    }
  });

  it("--quiet, before or after the command, keeps results and drops summaries", async () => {
    const loud = await runCli(["analyze", "--check"], ROOT);
    expect(loud.stdout).toContain("up to date");
    for (const argv of [["-q", "analyze", "--check"], ["analyze", "--check", "--quiet"]]) {
      expect(await runCli(argv, ROOT)).toEqual({ code: 0, stdout: "", stderr: "" });
    }
  });

  it("uses the io it is given (no process globals): main() returns the exit code", async () => {
    let out = "";
    const code = await main(["--version"], { stdout: (t) => void (out += t), stderr: () => undefined, cwd: ROOT, isTTY: false, env: {} });
    expect(code).toBe(0);
    expect(out).toMatch(/^image-factory \d+\.\d+\.\d+\n$/);
  });
});
