import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCK_FILE_NAME, readLock } from "../../analysis/lock";
import {
  newestVersion,
  type RebuildReport,
  rebuildReport,
  type RescanTarget,
  rescanTargets,
  shardCount,
  shardOf,
  type TrivyReport,
  trivyReportProblem,
} from "../../analysis/vulnerabilities";
import { fileErrorMessage, readUserFile, UserError } from "../../config/errors";
import { loadImagesFile } from "../../config/images";
import { DEFAULT_SCAN, failOnProblem, SEVERITIES, type ScanSettings, type Severity } from "../../config/schema";
import { type CliIO, type Command, displayPath, UsageError } from "../command";
import { COMMAND_HELP } from "../help";
import { readStackInputs } from "../stack-inputs";

export const rescanCommand: Command = {
  name: "rescan",
  summary: "Rescan every image's newest published version and report what a rebuild on its current base would fix",
  help: COMMAND_HELP.rescan,
  options: {
    stack: { type: "string" },
    config: { type: "string", multiple: true },
    images: { type: "string" },
    state: { type: "string" },
    list: { type: "boolean" },
    "per-shard": { type: "string" },
    shard: { type: "string" },
    published: { type: "string" },
    base: { type: "string" },
    "fail-on": { type: "string" },
    "include-unfixed": { type: "boolean" },
    summary: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values }, io) {
    if (typeof values.published === "string") return compareFiles(values, io);
    for (const option of ["base", "fail-on", "include-unfixed"]) {
      if (values[option] !== undefined) throw new UsageError(`--${option} only applies with --published`);
    }
    if (values.list === true && values.shard !== undefined) throw new UsageError("--list and --shard do not go together");
    if (values.list !== true && values.shard === undefined) throw new UsageError("give --list, --shard K/N or --published FILE");
    const targets = loadTargets(values, io);
    if (values.list === true) return list(targets, values, io);
    return runShard(targets, values, io, defaultTools(io.env));
  },
};

type Values = Record<string, string | boolean | string[] | undefined>;

// ---------------------------------------------------------------------------------------------
// --published FILE [--base FILE]: the pure comparison, no registry and no scanner

function readReport(file: string, io: CliIO): TrivyReport {
  const resolved = path.resolve(io.cwd, file);
  const shown = displayPath(resolved, io.cwd);
  let value: unknown;
  try {
    value = JSON.parse(readUserFile(resolved, shown, { maxBytes: 256 * 1024 * 1024 }));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError([{ file: shown, message: `is not JSON: ${(e as Error).message}` }]);
  }
  const problem = trivyReportProblem(value);
  if (problem) throw new UserError([{ file: shown, message: problem }]);
  return value as TrivyReport;
}

function settingsFrom(values: Values): ScanSettings {
  let failOn: Severity[] = [...DEFAULT_SCAN.failOn];
  if (typeof values["fail-on"] === "string") {
    const listed = values["fail-on"].split(",").map((s) => s.trim()).filter(Boolean);
    for (const s of listed) {
      if (!(SEVERITIES as readonly string[]).includes(s)) throw new UsageError(`--fail-on takes severities among ${SEVERITIES.join(", ")}, got "${s}"`);
    }
    failOn = listed as Severity[];
    const problem = failOnProblem(failOn);
    if (problem) throw new UsageError(`--fail-on ${problem}`);
  }
  return { failOn, ignoreUnfixed: values["include-unfixed"] !== true };
}

async function compareFiles(values: Values, io: CliIO): Promise<number> {
  for (const option of ["stack", "config", "images", "state", "list", "shard", "per-shard"]) {
    if (values[option] !== undefined) throw new UsageError(`--${option} does not apply with --published`);
  }
  const settings = settingsFrom(values);
  const published = readReport(values.published as string, io);
  const base = typeof values.base === "string" ? readReport(values.base, io) : undefined;
  const report = rebuildReport(published, base, settings);
  const entry: RescanEntry = { image: published.ArtifactName ?? (values.published as string), status: "scanned", report, ...(base?.ArtifactName ? { base: base.ArtifactName } : {}) };
  write([entry], values, io, "Rebuild report");
  return 0;
}

// ---------------------------------------------------------------------------------------------
// --list and --shard: the estate's images

function loadTargets(values: Values, io: CliIO): RescanTarget[] {
  let imagesPath: string;
  let stateDir: string;
  if (typeof values.images === "string") {
    if (values.stack !== undefined || values.config !== undefined) throw new UsageError("--images and --stack/--config do not go together: a stack names its own images.yaml");
    imagesPath = path.resolve(io.cwd, values.images);
    stateDir = typeof values.state === "string" ? path.resolve(io.cwd, values.state) : path.dirname(imagesPath);
  } else {
    if (values.state !== undefined) throw new UsageError("--state needs --images (a stack names its own lock folder in image-factory:state)");
    const stack = readStackInputs(values.stack, (values.config as string[] | undefined) ?? [], io);
    imagesPath = stack.settings.imagesPath;
    stateDir = stack.settings.stateDir;
  }
  const imagesFile = loadImagesFile(imagesPath, displayPath(imagesPath, io.cwd));
  const lock = readLock(stateDir, { shownAs: displayPath(path.join(stateDir, LOCK_FILE_NAME), io.cwd) });
  return rescanTargets(imagesFile.images, lock);
}

function perShard(values: Values): number {
  if (values["per-shard"] === undefined) return 20;
  const n = Number(values["per-shard"]);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--per-shard must be a whole number from 1 to 10000, got "${String(values["per-shard"])}"`);
  return n;
}

function list(targets: RescanTarget[], values: Values, io: CliIO): number {
  const shards = shardCount(targets.length, perShard(values));
  if (values.json === true) {
    io.stdout(`${JSON.stringify({ shards, matrix: Array.from({ length: shards }, (_, i) => `${i + 1}/${shards}`), targets })}\n`);
  } else {
    for (let i = 0; i < shards; i++) {
      for (const t of shardOf(targets, i, shards)) io.stdout(`${i + 1}/${shards}  ${t.image}  ${t.ref}  ${t.platform}  base ${t.base ?? "none (FROM scratch)"}\n`);
    }
  }
  return 0;
}

function parseShard(text: unknown): { index: number; count: number } {
  const m = typeof text === "string" ? /^([1-9][0-9]{0,3})\/([1-9][0-9]{0,3})$/.exec(text) : null;
  const index = m ? Number(m[1]) : 0;
  const count = m ? Number(m[2]) : 0;
  if (!m || index > count) throw new UsageError(`--shard must be K/N with 1 <= K <= N (e.g. 3/20), got "${String(text)}"`);
  return { index: index - 1, count };
}

/** What runs the registry and scanner tools; tests give a fake. */
export interface RescanTools {
  /** The tags of a repository (skopeo list-tags). */
  listTags(ref: string): Promise<string[]>;
  /** Trivy's JSON report of an image reference for one platform. */
  scan(ref: string, platform: string, opts: { listPackages: boolean }): Promise<TrivyReport>;
}

export interface RescanEntry {
  image: string;
  status: "scanned" | "unpublished" | "error";
  version?: string;
  base?: string;
  error?: string;
  report?: RebuildReport;
}

/** Rescans the shard's images: newest version, its scan, its runtime base's scan (once per base). */
export async function rescanAll(targets: readonly RescanTarget[], tools: RescanTools): Promise<RescanEntry[]> {
  const bases = new Map<string, Promise<TrivyReport>>();
  const entries: RescanEntry[] = [];
  for (const t of targets) {
    try {
      const version = newestVersion(await tools.listTags(t.ref));
      if (version === undefined) {
        entries.push({ image: t.image, status: "unpublished", ...(t.base ? { base: t.base } : {}) });
        continue;
      }
      const published = await tools.scan(`${t.ref}:${version}`, t.platform, { listPackages: false });
      let base: TrivyReport | undefined;
      if (t.base) {
        const key = `${t.base}\0${t.platform}`;
        if (!bases.has(key)) bases.set(key, tools.scan(t.base, t.platform, { listPackages: true }));
        base = await bases.get(key)!;
      }
      entries.push({ image: t.image, status: "scanned", version, ...(t.base ? { base: t.base } : {}), report: rebuildReport(published, base, t.scan) });
    } catch (e) {
      entries.push({ image: t.image, status: "error", ...(t.base ? { base: t.base } : {}), error: (e as Error).message.split("\n")[0].slice(0, 500) });
    }
  }
  return entries;
}

function run(cmd: string, args: string[], env: CliIO["env"]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: env as NodeJS.ProcessEnv, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args[0]} failed: ${(stderr || error.message).trim().split("\n").slice(-1)[0]}`));
      else resolve(stdout);
    });
  });
}

/** skopeo (preinstalled on GitHub's Ubuntu runners) and trivy, reading registry credentials from the docker config. */
export function defaultTools(env: CliIO["env"]): RescanTools {
  return {
    async listTags(ref) {
      const out = JSON.parse(await run("skopeo", ["list-tags", `docker://${ref}`], env)) as { Tags?: string[] };
      return out.Tags ?? [];
    },
    async scan(ref, platform, opts) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rescan-"));
      try {
        const out = path.join(dir, "report.json");
        // Every finding, fixed or not: the report applies each image's ignoreUnfixed itself.
        const args = ["image", "--quiet", "--scanners", "vuln", "--format", "json", "--platform", platform, "--output", out];
        if (opts.listPackages) args.push("--list-all-pkgs");
        await run("trivy", [...args, ref], env);
        const value: unknown = JSON.parse(fs.readFileSync(out, "utf8"));
        const problem = trivyReportProblem(value);
        if (problem) throw new Error(`trivy's report of ${ref} ${problem}`);
        return value as TrivyReport;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function runShard(targets: RescanTarget[], values: Values, io: CliIO, tools: RescanTools): Promise<number> {
  const { index, count } = parseShard(values.shard);
  const mine = shardOf(targets, index, count);
  const entries = await rescanAll(mine, tools);
  write(entries, values, io, `Rescan of the newest published versions (shard ${index + 1} of ${count})`);
  return entries.some((e) => e.status === "error") ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Output

const SHORT: Record<Severity, string> = { CRITICAL: "C", HIGH: "H", MEDIUM: "M", LOW: "L", UNKNOWN: "U" };
const DESCENDING = [...SEVERITIES].reverse();

/** Characters from a registry or the vulnerability database that cannot format Markdown. */
function cell(text: string): string {
  return text.replace(/[^A-Za-z0-9._:+~/@, -]/g, "");
}

function bySeverity(report: RebuildReport, field: "found" | "fixedByRebuild"): string {
  return DESCENDING.map((s) => `${report.counts[s][field]}${SHORT[s]}`).join(" ");
}

/** The report as Markdown (a job summary): one row per image, then what a rebuild fixes. */
export function rescanMarkdown(entries: readonly RescanEntry[], title: string): string {
  const lines = [`### ${title}`, "", "| image | version | runtime base | findings | at failOn | fixed by a rebuild |", "|---|---|---|---|---|---|"];
  for (const e of entries) {
    const base = e.base ? `\`${cell(e.base)}\`` : "—";
    if (e.status === "unpublished") lines.push(`| ${cell(e.image)} | not published yet | ${base} | | | |`);
    else if (e.status === "error") lines.push(`| ${cell(e.image)} | error: ${cell(e.error ?? "")} | ${base} | | | |`);
    else if (e.report) lines.push(`| ${cell(e.image)} | ${cell(e.version ?? "")} | ${base} | ${bySeverity(e.report, "found")} | ${e.report.failing.length} | ${bySeverity(e.report, "fixedByRebuild")} |`);
  }
  const fixable = entries.filter((e) => (e.report?.fixedByRebuild.length ?? 0) > 0);
  for (const e of fixable) {
    const fixed = e.report!.fixedByRebuild;
    lines.push("", `#### ${cell(e.image)}: ${fixed.length} finding(s) a rebuild on the current base fixes`, "", "| severity | vulnerability | package | published | current base |", "|---|---|---|---|---|");
    for (const f of fixed.slice(0, 50)) lines.push(`| ${f.severity} | ${cell(f.id)} | ${cell(f.pkg)} | ${cell(f.installed)} | ${cell(f.baseVersion ?? "not affected")} |`);
    if (fixed.length > 50) lines.push("", `(the first 50 of ${fixed.length})`);
  }
  if (entries.length === 0) lines.push("", "No image to rescan in this shard.");
  return `${lines.join("\n")}\n`;
}

function write(entries: RescanEntry[], values: Values, io: CliIO, title: string): void {
  const markdown = rescanMarkdown(entries, title);
  if (typeof values.summary === "string") {
    const file = path.resolve(io.cwd, values.summary);
    try {
      fs.appendFileSync(file, markdown);
    } catch (e) {
      throw new UserError([{ file: displayPath(file, io.cwd), message: fileErrorMessage(e) }]);
    }
  }
  if (values.json === true) io.stdout(`${JSON.stringify({ images: entries })}\n`);
  else io.stdout(markdown);
}
