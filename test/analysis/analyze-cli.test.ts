import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { runCli } from "../cli/helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "examples", "estate");

/** A temporary copy of the example estate (images.yaml, sources/ and the committed lock). */
function copyEstate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-analyze-"));
  fs.cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe("image-factory analyze --check", () => {
  it("passes on the committed example lock", async () => {
    const r = await runCli(["analyze", "--check"], ROOT);
    expect(r).toEqual({ code: 0, stdout: "examples/estate/images.lock.yaml: up to date (6 images, 6 distinct bases)\n", stderr: "" });
  });

  it("fails with a unified diff when a Dockerfile changed", async () => {
    const dir = copyEstate();
    const dockerfile = path.join(dir, "sources", "acme", "platform", "images", "python-base", "Dockerfile");
    fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, "utf8").replace("from python:3.12-slim", "FROM python:3.13-slim"));
    const before = fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8");
    const r = await runCli(["analyze", "--check", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("--- images.lock.yaml (committed)\n+++ images.lock.yaml (from the Dockerfiles)\n");
    expect(r.stdout).toMatch(/^-      - reference: docker\.io\/library\/python:3\.12-slim$/m);
    expect(r.stdout).toMatch(/^\+      - reference: docker\.io\/library\/python:3\.13-slim$/m);
    expect(r.stderr).toContain("images.lock.yaml is stale: run `image-factory analyze --images images.yaml` and commit the result");
    expect(fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8")).toBe(before); // --check writes nothing
  });

  it("fails when images.yaml changed an input of the lock", async () => {
    const dir = copyEstate();
    const images = path.join(dir, "images.yaml");
    fs.writeFileSync(images, fs.readFileSync(images, "utf8").replace('NODE_MAJOR: "22"', 'NODE_MAJOR: "20"'));
    const r = await runCli(["analyze", "--check", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^-\s+NODE_MAJOR: "22"$/m);
    expect(r.stdout).toMatch(/^\+\s+- reference: docker\.io\/library\/node:20-bookworm-slim$/m);
  });

  it("fails when there is no lock yet", async () => {
    const dir = copyEstate();
    fs.rmSync(path.join(dir, "images.lock.yaml"));
    const r = await runCli(["analyze", "--check", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/images\.lock\.yaml: not found/);
  });
});

describe("image-factory analyze", () => {
  it("writes the lock beside images.yaml, or into --state, and reports unchanged runs", async () => {
    const dir = copyEstate();
    const committed = fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8");
    fs.rmSync(path.join(dir, "images.lock.yaml"));
    const first = await runCli(["analyze", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(first).toEqual({ code: 0, stdout: "images.lock.yaml: written (6 images, 6 distinct bases, Dockerfiles from sources)\n", stderr: "" });
    expect(fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8")).toBe(committed);
    const again = await runCli(["analyze", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(again.stdout).toContain("images.lock.yaml: unchanged");
    const state = await runCli(["analyze", "--images", "images.yaml", "--source-root", "sources", "--state", "state"], dir);
    expect(state.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "state", "images.lock.yaml"), "utf8")).toBe(committed);
  });

  it("shows progress on a terminal, and clears it", async () => {
    const dir = copyEstate();
    let stderr = "";
    let stdout = "";
    const code = await main(["analyze", "--images", "images.yaml", "--source-root", "sources"], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      cwd: dir,
      isTTY: true,
      env: {},
    });
    expect(code).toBe(0);
    expect(stdout).toContain("images.lock.yaml: unchanged");
    expect(stderr).toContain("\r\u001b[2Kanalyzing 6/6: ");
    expect(stderr.endsWith("\r\u001b[2K")).toBe(true);
  });

  it("records unresolved FROMs, reports them with their line and exits 1", async () => {
    const dir = copyEstate();
    const dockerfile = path.join(dir, "sources", "acme", "platform", "apps", "uv", "Dockerfile");
    fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, "utf8").replace("ARG RUNTIME=gcr.io/distroless/python3-debian12:nonroot", "ARG RUNTIME"));
    const r = await runCli(["analyze", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'sources/acme/platform/apps/uv/Dockerfile:13: image "uv": cannot determine the base: FROM ${RUNTIME} expands to an empty image name (ARG RUNTIME has no default and buildArgs does not set it)',
    );
    expect(fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8")).toMatch(/unresolved:\n\s+- line: 13\n/);
  });

  it("writes nothing when a Dockerfile cannot be read, and names the image", async () => {
    const dir = copyEstate();
    fs.rmSync(path.join(dir, "sources", "acme", "platform", "apps", "uv", "Dockerfile"));
    const before = fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8");
    const r = await runCli(["analyze", "--images", "images.yaml", "--source-root", "sources"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('images.yaml: image "uv": source.dockerfile: Dockerfile not found: sources/acme/platform/apps/uv/Dockerfile');
    expect(r.stderr).toContain("1 problem found.");
    expect(fs.readFileSync(path.join(dir, "images.lock.yaml"), "utf8")).toBe(before);
  });
});

describe("image-factory analyze --dockerfile", () => {
  const write = (text: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-df-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), text);
    return dir;
  };

  it("prints the bases as JSON", async () => {
    const dir = write("ARG V=20\nFROM node:${V} AS build\nFROM gcr.io/distroless/nodejs22\nCOPY --from=build /a /a\n");
    const r = await runCli(["analyze", "--dockerfile", "Dockerfile", "--build-arg", "V=22", "--json"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      bases: [
        { reference: "docker.io/library/node:22", runtime: false, line: 2 },
        { reference: "gcr.io/distroless/nodejs22:latest", runtime: true, line: 3 },
      ],
      unresolved: [],
    });
  });

  it("prints a readable list, and unresolved lines on stderr with exit 1", async () => {
    const dir = write("FROM alpine:$TARGETARCH\n");
    const ok = await runCli(["analyze", "--dockerfile", "Dockerfile", "--platform", "linux/arm64"], dir);
    expect(ok).toEqual({ code: 0, stdout: "Dockerfile:1: docker.io/library/alpine:arm64 (runtime)\n", stderr: "" });
    const bad = await runCli(["analyze", "--dockerfile", "Dockerfile", "--json"], dir);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).unresolved).toHaveLength(1);
    expect(bad.stderr).toMatch(/^Dockerfile:1: unresolved: FROM alpine:\$TARGETARCH: the image depends on TARGETARCH/);
  });

  it("reports a missing file as a problem", async () => {
    const r = await runCli(["analyze", "--dockerfile", "nope/Dockerfile"], os.tmpdir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nope/Dockerfile: file not found");
  });
});

describe("usage", () => {
  it("has --help in the style of the other commands", async () => {
    const r = await runCli(["analyze", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: image-factory analyze \[--stack NAME\] \[--config KEY=VALUE\]\.\.\. \[--source-root DIR\] \[--check\] \[--json\]\n/);
    expect(r.stdout).toContain("image-factory analyze --images FILE [--state DIR]");
    expect(r.stdout).toContain("--dockerfile PATH");
    expect((await runCli(["--help"])).stdout).toMatch(/analyze\s+Find every image's base images/);
  });

  it("exits 2 on options that do not go together or malformed values", async () => {
    for (const argv of [
      ["analyze", "--state", "x"],
      ["analyze", "--images", "images.yaml", "--stack", "dev"],
      ["analyze", "--build-arg", "A=1"],
      ["analyze", "--dockerfile", "Dockerfile", "--check"],
      ["analyze", "--dockerfile", "Dockerfile", "--build-arg", "no-equals"],
      ["analyze", "--dockerfile", "Dockerfile", "--platform", "amd64"],
      ["analyze", "extra"],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain("Run `image-factory analyze --help` for usage.");
    }
  });
});

describe("the installed bin", () => {
  it("runs analyze --check on the example estate with exit 0 and no stack trace on errors", () => {
    const bin = path.join(ROOT, "bin", "image-factory.js");
    const ok = spawnSync(process.execPath, [bin, "analyze", "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, [bin, "analyze", "--images", "nope.yaml"], { cwd: os.tmpdir(), encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
