/**
 * What a rebuild on the current base would fix: compares Trivy's JSON report of an image's
 * newest published version with Trivy's report of its current runtime base. Pure: it reads
 * two parsed reports and returns plain data.
 *
 * Trivy's JSON format, as aquasecurity/trivy v0.70.0 writes it (pkg/types/report.go `Report`,
 * `Result`; pkg/types/vulnerability.go `DetectedVulnerability`, which embeds trivy-db's
 * `Vulnerability` for `Severity`): `Results[]` with `Target`, `Class` ("os-pkgs" for the
 * distribution's packages, "lang-pkgs" for language packages), `Packages[]` (only with
 * --list-all-pkgs) and `Vulnerabilities[]` with `VulnerabilityID`, `PkgName`,
 * `InstalledVersion`, `FixedVersion`, `Status` (trivy-db pkg/types/status.go: "fixed",
 * "affected", "will_not_fix", ...) and `Severity` (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL).
 */
import { type ImageSpec, SEVERITIES, type ScanSettings, type Severity } from "../config/schema";
import type { Lock } from "./lock";

export interface TrivyVulnerability {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Status?: string;
  Severity?: string;
  Title?: string;
}

export interface TrivyResult {
  Target: string;
  Class?: string;
  Type?: string;
  /** pkg/fanal/types/package.go `Package`: a Debian version is split into Epoch, Version and Release. */
  Packages?: Array<{ Name: string; Version?: string; Release?: string; Epoch?: number }>;
  Vulnerabilities?: TrivyVulnerability[];
}

export interface TrivyReport {
  SchemaVersion?: number;
  ArtifactName?: string;
  Metadata?: { OS?: { Family?: string; Name?: string; EOSL?: boolean } };
  Results?: TrivyResult[];
}

/** Why a parsed JSON value is not a Trivy JSON report (schema version 2), or undefined. */
export function trivyReportProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "is not a Trivy JSON report (expected an object)";
  const report = value as Record<string, unknown>;
  if (report.SchemaVersion !== 2) return `is not a Trivy JSON report of schema version 2 (trivy image --format json), got SchemaVersion ${JSON.stringify(report.SchemaVersion)}`;
  if (report.Results !== undefined && !Array.isArray(report.Results)) return "has Results that is not a list";
  for (const r of (report.Results as unknown[] | undefined) ?? []) {
    if (r === null || typeof r !== "object") return "has a result that is not an object";
    const vulns = (r as Record<string, unknown>).Vulnerabilities;
    if (vulns !== undefined && !Array.isArray(vulns)) return "has Vulnerabilities that is not a list";
    for (const v of (vulns as unknown[] | undefined) ?? []) {
      const f = v as Record<string, unknown>;
      if (typeof f?.VulnerabilityID !== "string" || typeof f.PkgName !== "string") return "has a vulnerability without VulnerabilityID or PkgName";
    }
  }
  return undefined;
}

export interface Finding {
  id: string;
  pkg: string;
  installed: string;
  fixed: string;
  severity: Severity;
  /** "os" for the distribution's packages, "library" for language packages. */
  kind: "os" | "library";
  target: string;
}

/** What a rebuild on the current base does to one finding of the published image. */
export type Verdict =
  /** The base's package is newer or fixed: a rebuild picks the fix up. */
  | "fixed-by-rebuild"
  /** The current base still has the finding. */
  | "still-in-base"
  /** The base has no such package: the image installs it itself (its own Dockerfile steps). */
  | "not-from-base"
  /** A language package: its version comes from the image's own lock files, not the base. */
  | "library";

export interface ClassifiedFinding extends Finding {
  verdict: Verdict;
  /** For fixed-by-rebuild: the version the current base has, when the base report lists packages. */
  baseVersion?: string;
}

export interface RebuildReport {
  /** Every finding of the published image that counts under the image's settings. */
  findings: ClassifiedFinding[];
  /** The findings at a failOn severity: the published image would fail its build gate today. */
  failing: ClassifiedFinding[];
  /** The findings a rebuild on the current base would fix. */
  fixedByRebuild: ClassifiedFinding[];
  /** Counts per severity, of all findings and of those a rebuild fixes. */
  counts: Record<Severity, { found: number; fixedByRebuild: number }>;
  /** Whether the base report listed its packages (--list-all-pkgs), so "not-from-base" could be told. */
  basePackagesKnown: boolean;
}

/** The version as Trivy prints InstalledVersion: [epoch:]version[-release] (pkg/scan/utils/utils.go `FormatVersion`). */
function packageVersion(p: { Version?: string; Release?: string; Epoch?: number }): string {
  const v = `${p.Epoch ? `${p.Epoch}:` : ""}${p.Version ?? ""}`;
  return p.Release ? `${v}-${p.Release}` : v;
}

function severityOf(s: string | undefined): Severity {
  return (SEVERITIES as readonly string[]).includes(s ?? "") ? (s as Severity) : "UNKNOWN";
}

/**
 * Whether a finding counts under the settings: with ignoreUnfixed only status "fixed" counts,
 * as Trivy's --ignore-unfixed keeps (pkg/flag/vulnerability_flags.go `ToOptions`: it ignores
 * every status but fixed).
 */
function counts(v: TrivyVulnerability, ignoreUnfixed: boolean): boolean {
  return !ignoreUnfixed || v.Status === "fixed";
}

/** The findings of a report, OS and language packages, one per (id, package, version, target). */
export function findingsOf(report: TrivyReport, ignoreUnfixed = false): Finding[] {
  const out = new Map<string, Finding>();
  for (const result of report.Results ?? []) {
    const kind = result.Class === "os-pkgs" ? "os" : result.Class === "lang-pkgs" ? "library" : undefined;
    if (!kind) continue;
    for (const v of result.Vulnerabilities ?? []) {
      if (!counts(v, ignoreUnfixed)) continue;
      const f: Finding = {
        id: v.VulnerabilityID,
        pkg: v.PkgName,
        installed: v.InstalledVersion ?? "",
        fixed: v.FixedVersion ?? "",
        severity: severityOf(v.Severity),
        kind,
        target: result.Target,
      };
      out.set(`${f.kind}\0${f.target}\0${f.id}\0${f.pkg}\0${f.installed}`, f);
    }
  }
  return [...out.values()].sort(byRisk);
}

function byRisk(a: Finding, b: Finding): number {
  const s = SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity);
  if (s !== 0) return s;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.pkg < b.pkg ? -1 : a.pkg > b.pkg ? 1 : 0;
}

/**
 * Classifies the published image's findings against its current base. `base` is undefined for
 * an image built FROM scratch (nothing comes from a base). An OS finding is fixed by a rebuild
 * when the current base no longer has it: the base has the package (at another version) without
 * that vulnerability, or, when the base report does not list packages, simply does not report
 * that vulnerability for that package.
 */
export function rebuildReport(published: TrivyReport, base: TrivyReport | undefined, settings: ScanSettings): RebuildReport {
  const findings = findingsOf(published, settings.ignoreUnfixed);
  const baseFindings = new Set<string>();
  const basePackages = new Map<string, string>();
  let basePackagesKnown = false;
  for (const result of base?.Results ?? []) {
    if (result.Class !== "os-pkgs") continue;
    // Every finding the base has, fixed or not: an unfixed one in the base stays after a rebuild.
    for (const v of result.Vulnerabilities ?? []) baseFindings.add(`${v.VulnerabilityID}\0${v.PkgName}`);
    if (result.Packages !== undefined) {
      basePackagesKnown = true;
      for (const p of result.Packages) basePackages.set(p.Name, packageVersion(p));
    }
  }
  const classified = findings.map((f): ClassifiedFinding => {
    if (f.kind === "library") return { ...f, verdict: "library" };
    if (base === undefined) return { ...f, verdict: "not-from-base" };
    if (baseFindings.has(`${f.id}\0${f.pkg}`)) return { ...f, verdict: "still-in-base" };
    if (basePackagesKnown && !basePackages.has(f.pkg)) return { ...f, verdict: "not-from-base" };
    const baseVersion = basePackages.get(f.pkg);
    return { ...f, verdict: "fixed-by-rebuild", ...(baseVersion ? { baseVersion } : {}) };
  });
  const failOn = new Set<Severity>(settings.failOn);
  const tally = Object.fromEntries(SEVERITIES.map((s) => [s, { found: 0, fixedByRebuild: 0 }])) as RebuildReport["counts"];
  for (const f of classified) {
    tally[f.severity].found++;
    if (f.verdict === "fixed-by-rebuild") tally[f.severity].fixedByRebuild++;
  }
  return {
    findings: classified,
    failing: classified.filter((f) => failOn.has(f.severity)),
    fixedByRebuild: classified.filter((f) => f.verdict === "fixed-by-rebuild"),
    counts: tally,
    basePackagesKnown,
  };
}

// ---------------------------------------------------------------------------------------------
// What the scheduled rescan covers

export interface RescanTarget {
  image: string;
  /** registry/repository: the version tags are listed and scanned there. */
  ref: string;
  /** The platform scanned (as the build scans it: linux/amd64 when built, else the first). */
  platform: string;
  /** The runtime base per the lock (the final stage's FROM), or undefined (FROM scratch). */
  base?: string;
  scan: ScanSettings;
}

/** Images scanned by their builds (not `scan: false`), ordered by runtime base then name, so a shard's images share bases. */
export function rescanTargets(images: readonly ImageSpec[], lock: Pick<Lock, "images">): RescanTarget[] {
  const out: RescanTarget[] = [];
  for (const image of images) {
    if (image.scan === false) continue;
    const locked = Object.prototype.hasOwnProperty.call(lock.images, image.name) ? lock.images[image.name] : undefined;
    const base = locked?.bases.find((b) => b.runtime)?.reference;
    out.push({
      image: image.name,
      ref: `${image.registry}/${image.repository}`,
      platform: image.platforms.includes("linux/amd64") ? "linux/amd64" : image.platforms[0],
      ...(base ? { base } : {}),
      scan: image.scan,
    });
  }
  const key = (t: RescanTarget) => `${t.base ?? ""}\0${t.platform}\0${t.image}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** GitHub runs at most 256 jobs of one matrix (workflow syntax docs, `jobs.<id>.strategy.matrix`). */
export const MAX_MATRIX_JOBS = 256;

/** How many shards: about `perShard` images each, at most MAX_MATRIX_JOBS (then shards grow). */
export function shardCount(targets: number, perShard: number): number {
  return Math.max(1, Math.min(MAX_MATRIX_JOBS, Math.ceil(targets / perShard)));
}

/** Shard `index` of `count`: a contiguous slice, sizes differing by at most one. */
export function shardOf<T>(targets: readonly T[], index: number, count: number): T[] {
  const start = Math.floor((index * targets.length) / count);
  const end = Math.floor(((index + 1) * targets.length) / count);
  return targets.slice(start, end);
}

/** The newest X.Y.Z tag, as the generated build workflow computes the next version from them. */
export function newestVersion(tags: readonly string[]): string | undefined {
  const versions = tags.filter((t) => /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.test(t)).map((t) => t.split(".").map(Number));
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return versions.length > 0 ? versions[versions.length - 1].join(".") : undefined;
}
