// image-factory rescan: the pure comparison of two Trivy reports (no credentials), the shard
// list for the analyze workflow, and a shard run with the registry and scanner faked.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { TrivyReport } from "../../src/analysis/vulnerabilities";
import { rescanAll, rescanMarkdown, type RescanTools } from "../../src/cli/commands/rescan";
import { makeImage } from "../github/fixtures";
import { runCli } from "./helpers";
import * as fs from "node:fs";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURES = "test/analysis/fixtures";

describe("rescan --published/--base (no registry, no scanner, no credentials)", () => {
  it("reports what a rebuild on the current base fixes", async () => {
    const r = await runCli(["rescan", "--published", `${FIXTURES}/trivy-published.json`, "--base", `${FIXTURES}/trivy-base.json`], ROOT, {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("| ghcr.io/acme/report-worker:1.4.0 |  | `docker.io/library/node:22-bookworm-slim` | 1C 1H 2M 0L 0U | 1 | 1C 0H 0M 0L 0U |");
    expect(r.stdout).toContain("| CRITICAL | CVE-2024-0727 | libssl3 | 3.0.11-1~deb12u2 | 3.0.15-1~deb12u1 |");
  });

  it("--json, --fail-on and --include-unfixed", async () => {
    const r = await runCli(["rescan", "--published", `${FIXTURES}/trivy-published.json`, "--base", `${FIXTURES}/trivy-base.json`, "--fail-on", "HIGH,CRITICAL", "--include-unfixed", "--json"], ROOT, {});
    const out = JSON.parse(r.stdout) as { images: Array<{ report: { failing: Array<{ id: string }> } }> };
    expect(out.images[0].report.failing.map((f) => f.id)).toEqual(["CVE-2023-45853", "CVE-2024-0727", "CVE-2024-2961"]);
  });

  it("refuses a file that is not a Trivy JSON report, and a bad --fail-on", async () => {
    const bad = await runCli(["rescan", "--published", "package.json"], ROOT, {});
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("package.json: is not a Trivy JSON report of schema version 2");
    const usage = await runCli(["rescan", "--published", `${FIXTURES}/trivy-published.json`, "--fail-on", "HIGH"], ROOT, {});
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--fail-on lists HIGH but not CRITICAL");
  });
});

describe("rescan --list: the shards the analyze workflow runs", () => {
  it("lists every example image with its runtime base, in shards as a matrix of K/N", async () => {
    const r = await runCli(["rescan", "--images", "examples/estate/images.yaml", "--list", "--per-shard", "4", "--json"], ROOT, {});
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { shards: number; matrix: string[]; targets: Array<{ image: string; base?: string }> };
    expect(out.shards).toBe(2);
    expect(out.matrix).toEqual(["1/2", "2/2"]);
    expect(out.targets.find((t) => t.image === "python-base")?.base).toBe("docker.io/library/python:3.12-slim");
  });

  it("asks for a mode", async () => {
    expect((await runCli(["rescan", "--images", "examples/estate/images.yaml"], ROOT, {})).code).toBe(2);
    expect((await runCli(["rescan", "--images", "examples/estate/images.yaml", "--shard", "3/2"], ROOT, {})).code).toBe(2);
  });
});

describe("a shard's rescan, with the registry and Trivy faked", () => {
  const published = JSON.parse(fs.readFileSync(path.join(ROOT, FIXTURES, "trivy-published.json"), "utf8")) as TrivyReport;
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, FIXTURES, "trivy-base.json"), "utf8")) as TrivyReport;

  it("scans each image's newest X.Y.Z tag for its platform, and each base once with its package list", async () => {
    const scans: string[] = [];
    const tools: RescanTools = {
      async listTags(ref) {
        if (ref === "ghcr.io/acme/new") return ["latest"];
        if (ref === "ghcr.io/acme/broken") throw new Error("skopeo list-tags failed: unauthorized");
        return ["latest", "1.2.0", "1.10.0", "1.9.9"];
      },
      async scan(ref, platform, opts) {
        scans.push(`${ref} ${platform}${opts.listPackages ? " +pkgs" : ""}`);
        return ref.startsWith("docker.io/") ? base : published;
      },
    };
    const settings = { failOn: ["CRITICAL" as const], ignoreUnfixed: true };
    const entries = await rescanAll(
      [
        { image: "a", ref: "ghcr.io/acme/a", platform: "linux/amd64", base: "docker.io/library/node:22-bookworm-slim", scan: settings },
        { image: "b", ref: "ghcr.io/acme/b", platform: "linux/amd64", base: "docker.io/library/node:22-bookworm-slim", scan: settings },
        { image: "new", ref: "ghcr.io/acme/new", platform: "linux/amd64", scan: settings },
        { image: "broken", ref: "ghcr.io/acme/broken", platform: "linux/arm64", scan: settings },
      ],
      tools,
    );
    expect(scans).toEqual(["ghcr.io/acme/a:1.10.0 linux/amd64", "docker.io/library/node:22-bookworm-slim linux/amd64 +pkgs", "ghcr.io/acme/b:1.10.0 linux/amd64"]);
    expect(entries.map((e) => [e.image, e.status, e.version])).toEqual([
      ["a", "scanned", "1.10.0"],
      ["b", "scanned", "1.10.0"],
      ["new", "unpublished", undefined],
      ["broken", "error", undefined],
    ]);
    const md = rescanMarkdown(entries, "Rescan");
    expect(md).toContain("| new | not published yet | — | | | |");
    expect(md).toContain("| broken | error: skopeo list-tags failed: unauthorized | — | | | |");
    expect(md).toContain("#### a: 1 finding(s) a rebuild on the current base fixes");
    expect(makeImage().scan).toEqual(settings);
  });
});
