// What a rebuild on the current base would fix, from Trivy's JSON reports. The fixtures are
// shaped as aquasecurity/trivy v0.70.0 writes them (pkg/types/report.go Report/Result,
// pkg/types/vulnerability.go DetectedVulnerability, pkg/fanal/types/package.go Package; the
// base scanned with --list-all-pkgs).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  findingsOf,
  MAX_MATRIX_JOBS,
  newestVersion,
  rebuildReport,
  rescanTargets,
  shardCount,
  shardOf,
  type TrivyReport,
  trivyReportProblem,
} from "../../src/analysis/vulnerabilities";
import { makeImage } from "../github/fixtures";

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8")) as TrivyReport;
const published = () => fixture("trivy-published.json");
const base = () => fixture("trivy-base.json");
const verdicts = (r: ReturnType<typeof rebuildReport>) => Object.fromEntries(r.findings.map((f) => [`${f.id} ${f.pkg}`, f.verdict]));

describe("rebuildReport", () => {
  it("an OS finding the current base no longer has (its package moved on) is fixed by a rebuild, with the base's version", () => {
    const r = rebuildReport(published(), base(), { failOn: ["CRITICAL"], ignoreUnfixed: true });
    expect(r.fixedByRebuild.map((f) => [f.id, f.pkg, f.installed, f.baseVersion])).toEqual([["CVE-2024-0727", "libssl3", "3.0.11-1~deb12u2", "3.0.15-1~deb12u1"]]);
    expect(r.basePackagesKnown).toBe(true);
  });

  it("tells apart findings the base still has, packages the image installs itself, and language packages", () => {
    const r = rebuildReport(published(), base(), { failOn: ["CRITICAL"], ignoreUnfixed: false });
    expect(verdicts(r)).toEqual({
      "CVE-2024-0727 libssl3": "fixed-by-rebuild",
      "CVE-2023-45853 zlib1g": "still-in-base",
      "CVE-2024-2961 libc6": "still-in-base",
      "CVE-2024-2398 curl": "not-from-base",
      "CVE-2024-29041 express": "library",
    });
  });

  it("ignoreUnfixed leaves out findings whose status is not fixed, as Trivy's --ignore-unfixed does", () => {
    const withUnfixed = rebuildReport(published(), base(), { failOn: ["CRITICAL"], ignoreUnfixed: false });
    const fixedOnly = rebuildReport(published(), base(), { failOn: ["CRITICAL"], ignoreUnfixed: true });
    expect(withUnfixed.failing.map((f) => f.id)).toEqual(["CVE-2023-45853", "CVE-2024-0727"]);
    expect(fixedOnly.failing.map((f) => f.id)).toEqual(["CVE-2024-0727"]);
    expect(fixedOnly.findings.some((f) => f.id === "CVE-2023-45853")).toBe(false);
  });

  it("counts per severity: found and fixed by a rebuild; failing follows failOn", () => {
    const r = rebuildReport(published(), base(), { failOn: ["HIGH", "CRITICAL"], ignoreUnfixed: true });
    expect(r.counts).toEqual({
      UNKNOWN: { found: 0, fixedByRebuild: 0 },
      LOW: { found: 0, fixedByRebuild: 0 },
      MEDIUM: { found: 2, fixedByRebuild: 0 },
      HIGH: { found: 1, fixedByRebuild: 0 },
      CRITICAL: { found: 1, fixedByRebuild: 1 },
    });
    expect(r.failing.map((f) => f.id)).toEqual(["CVE-2024-0727", "CVE-2024-2961"]);
  });

  it("without the base's package list, a finding the base does not report counts as fixed by a rebuild", () => {
    const b = base();
    for (const result of b.Results ?? []) delete result.Packages;
    const r = rebuildReport(published(), b, { failOn: [], ignoreUnfixed: true });
    expect(r.basePackagesKnown).toBe(false);
    expect(verdicts(r)["CVE-2024-2398 curl"]).toBe("fixed-by-rebuild");
  });

  it("an image FROM scratch (no base): nothing is fixed by a rebuild", () => {
    const r = rebuildReport(published(), undefined, { failOn: ["CRITICAL"], ignoreUnfixed: true });
    expect(r.fixedByRebuild).toEqual([]);
    expect(verdicts(r)["CVE-2024-0727 libssl3"]).toBe("not-from-base");
  });

  it("sorts findings most severe first", () => {
    expect(findingsOf(published()).map((f) => f.severity)).toEqual(["CRITICAL", "CRITICAL", "HIGH", "MEDIUM", "MEDIUM"]);
  });
});

describe("trivyReportProblem", () => {
  it("accepts Trivy's schema version 2 and refuses anything else", () => {
    expect(trivyReportProblem(published())).toBeUndefined();
    expect(trivyReportProblem({ SchemaVersion: 1, Results: [] })).toMatch(/schema version 2/);
    expect(trivyReportProblem([])).toMatch(/not a Trivy JSON report/);
    expect(trivyReportProblem({ SchemaVersion: 2, Results: [{ Target: "x", Vulnerabilities: [{ PkgName: "a" }] }] })).toMatch(/VulnerabilityID/);
  });
});

describe("what the scheduled rescan covers", () => {
  const lock = {
    images: {
      a: { inputs: {} as never, unresolved: [], bases: [{ reference: "docker.io/library/node:22", runtime: true, line: 1 }] },
      b: { inputs: {} as never, unresolved: [], bases: [{ reference: "docker.io/library/alpine:3", runtime: true, line: 1 }, { reference: "docker.io/library/golang:1", runtime: false, line: 1 }] },
      c: { inputs: {} as never, unresolved: [], bases: [{ reference: "docker.io/library/node:22", runtime: true, line: 1 }] },
    },
  };
  it("every image but scan: false, by runtime base (build-only bases are not the base), with its settings and scanned platform", () => {
    const images = [
      makeImage({ name: "a", platforms: ["linux/arm64", "linux/amd64"] }),
      makeImage({ name: "b", platforms: ["linux/arm64"], scan: { failOn: ["HIGH", "CRITICAL"] } }),
      makeImage({ name: "c" }),
      makeImage({ name: "d", scan: false }),
    ];
    expect(rescanTargets(images, lock)).toEqual([
      { image: "b", ref: "ghcr.io/acme/app", platform: "linux/arm64", base: "docker.io/library/alpine:3", scan: { failOn: ["HIGH", "CRITICAL"], ignoreUnfixed: true } },
      { image: "a", ref: "ghcr.io/acme/app", platform: "linux/amd64", base: "docker.io/library/node:22", scan: { failOn: ["CRITICAL"], ignoreUnfixed: true } },
      { image: "c", ref: "ghcr.io/acme/app", platform: "linux/amd64", base: "docker.io/library/node:22", scan: { failOn: ["CRITICAL"], ignoreUnfixed: true } },
    ]);
  });

  it("1,000 images make 50 shards of 20; 10,000 stay within GitHub's 256-job matrix; every image in exactly one shard", () => {
    expect(shardCount(1000, 20)).toBe(50);
    expect(shardCount(10_000, 20)).toBe(MAX_MATRIX_JOBS);
    expect(shardCount(0, 20)).toBe(1);
    const items = Array.from({ length: 1003 }, (_, i) => i);
    const shards = Array.from({ length: 50 }, (_, k) => shardOf(items, k, 50));
    expect(shards.flat()).toEqual(items);
    expect(Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length))).toBeLessThanOrEqual(1);
  });

  it("the newest published version is the highest X.Y.Z tag, as the build workflow bumps it", () => {
    expect(newestVersion(["latest", "1.9.0", "1.10.0", "1.10.0-rc1", "01.2.3", "0.9.12"])).toBe("1.10.0");
    expect(newestVersion(["latest"])).toBeUndefined();
  });
});
