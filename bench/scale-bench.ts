/**
 * Scale benchmark (not a test): renders generated estates (bench/generated-estate.ts) of
 * 1,000 images over 200 bases in 50 repositories and 10,000 images over 2,000 bases in 500
 * repositories, for the dev stack (direct delivery) and the prod stack (GitOps), each render
 * in its own process, and reports what the real engines will pay:
 *
 *  - Pulumi resources, Kubernetes objects (with Secrets), files committed to GitHub;
 *  - GitHub write requests of a first `up` and of a change to the workflow template:
 *    terraform-provider-github (v6.13.0, github/resource_github_repository_file.go) sends
 *    one PUT per file created (resourceGithubRepositoryFileCreate → CreateFile) or updated
 *    (…Update → UpdateFile) and one DELETE per file removed, and by default waits 1 s after
 *    every write, serializing all requests of a provider (github/transport.go
 *    RateLimitTransport, write_delay_ms 1000, parallel_requests false);
 *  - the largest Kubernetes object and the largest committed file, in bytes;
 *  - render wall time and peak memory (RSS).
 *
 * The 10,000-image render must take no more than 12 times the 1,000-image one; a bigger ratio
 * means superlinear work somewhere.
 *
 *   npx tsx bench/scale-bench.ts [--runs N] [--plan] [--sizes 1000,10000]
 *
 * --plan also times `image-factory plan` (render plus the estate, graph and fan-out).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type EstateSize, generateEstate } from "./generated-estate";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin", "image-factory.js");

const SIZES: EstateSize[] = [
  { images: 1000, bases: 200, repos: 50 },
  { images: 10000, bases: 2000, repos: 500 },
];
const MAX_RATIO = 12;
/** GitHub's secondary limit on content-creating requests (REST API docs, "Rate limits"). */
const CONTENT_WRITES_PER_HOUR = 500;

interface Measurement {
  wallSeconds: number;
  peakRssMb: number;
}

/** Runs the CLI in a child process; peak RSS from /usr/bin/time when present, else from the child. */
function measure(args: string[]): Measurement {
  const useTime = fs.existsSync("/usr/bin/time");
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "if-bench-rss-")), "rss");
  // Without /usr/bin/time the child reports its own peak (process.resourceUsage().maxRSS, in KiB).
  const inner = [
    "-e",
    `require("tsx/cjs");const {main}=require(${JSON.stringify(path.join(ROOT, "src", "cli", "main.ts"))});` +
      `main(process.argv.slice(1)).then(c=>{require("fs").writeFileSync(${JSON.stringify(report)},String(process.resourceUsage().maxRSS));process.exitCode=c;})`,
    ...args,
  ];
  const started = process.hrtime.bigint();
  const r = useTime
    ? spawnSync("/usr/bin/time", ["-v", process.execPath, BIN, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, inner, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`image-factory ${args.join(" ")} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  const kib = useTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]) : Number(fs.readFileSync(report, "utf8"));
  return { wallSeconds, peakRssMb: kib / 1024 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Figures {
  resources: number;
  kubernetesObjects: number;
  githubFiles: number;
  workflowFiles: number;
  /** First `up`: one PUT per GitHub resource (files, settings). */
  firstUpWrites: number;
  /** A change to the workflow template: one PUT per generated workflow file. */
  templateChangeWrites: number;
  largestObjectBytes: number;
  largestFileBytes: number;
}

function figuresOf(out: string, gitops: boolean): Figures {
  const files = listFiles(out);
  const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Array<{ type: string }>;
  const githubFiles = files.filter((f) => f.startsWith("github/"));
  const workflowFiles = githubFiles.filter((f) => /^github\/[^/]+\/[^/]+\/\.github\/workflows\//.test(f));
  const size = (f: string) => fs.statSync(path.join(out, f)).size;
  // Direct: one file per object. GitOps: the objects are documents of the committed files.
  let objectSizes: number[];
  if (gitops) {
    const manifests = githubFiles.filter((f) => !workflowFiles.includes(f));
    objectSizes = manifests.flatMap((f) => fs.readFileSync(path.join(out, f), "utf8").split(/^---\n/m).slice(1).map((d) => Buffer.byteLength(d)));
    objectSizes.push(...files.filter((f) => f.startsWith("kubernetes/")).map(size));
  } else {
    objectSizes = files.filter((f) => f.startsWith("kubernetes/")).map(size);
  }
  const githubResources = resources.filter((r) => r.type.startsWith("github:index/")).length;
  return {
    resources: resources.length,
    kubernetesObjects: objectSizes.length,
    githubFiles: githubFiles.length,
    workflowFiles: workflowFiles.length,
    firstUpWrites: githubResources,
    templateChangeWrites: workflowFiles.length,
    largestObjectBytes: Math.max(...objectSizes),
    largestFileBytes: Math.max(...githubFiles.map(size)),
  };
}

function main(): number {
  const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const runs = Number(arg("--runs")) || 1;
  const withPlan = process.argv.includes("--plan");
  const only = arg("--sizes")?.split(",").map(Number);
  const sizes = only ? SIZES.filter((s) => only.includes(s.images)) : SIZES;
  const results: Array<{ size: EstateSize; render: Measurement; plan?: Measurement }> = [];
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `if-bench-${size.images}-`));
    const estate = generateEstate(size, dir);
    // prod's overlay names images of the example estate; the generated estate gets none.
    const overlay = path.join(dir, "overlay.yaml");
    fs.writeFileSync(overlay, "{}\n");
    const renders: Measurement[] = [];
    const figures: Record<string, Figures | string> = {};
    for (const stack of ["dev", "prod"]) {
      for (let i = 0; i < runs; i++) {
        const out = path.join(dir, `render-${stack}-${i}`);
        try {
          const m = measure(["render", "--stack", stack, "--images", estate.images, "--state", estate.state, "--config", `image-factory:overlay=${overlay}`, "--out", out]);
          if (stack === "dev") renders.push(m);
          figures[stack] = figuresOf(out, stack === "prod");
        } catch (e) {
          // Only the direct render times the bound; a refused GitOps render is a finding to print.
          if (stack === "dev") throw e;
          figures[stack] = String((e as Error).message).split("\n").filter((l) => l.includes("error")).slice(0, 2).join(" ") || String(e);
        }
        fs.rmSync(out, { recursive: true, force: true });
      }
    }
    const render = { wallSeconds: median(renders.map((m) => m.wallSeconds)), peakRssMb: Math.max(...renders.map((m) => m.peakRssMb)) };
    const plan = withPlan ? measure(["plan", "--images", estate.images, "--state", estate.state, "--format", "json"]) : undefined;
    results.push({ size, render, plan });
    process.stdout.write(
      `${String(size.images).padStart(6)} images / ${String(size.bases).padStart(5)} bases / ${size.repos} repos: ` +
        `render (dev) ${render.wallSeconds.toFixed(1)} s, peak ${render.peakRssMb.toFixed(0)} MB` +
        (plan ? `; plan ${plan.wallSeconds.toFixed(1)} s, peak ${plan.peakRssMb.toFixed(0)} MB` : "") +
        "\n",
    );
    for (const [stack, f] of Object.entries(figures)) {
      if (typeof f === "string") {
        process.stdout.write(`  ${stack} (gitops): refused: ${f}\n`);
        continue;
      }
      const hours = (w: number) => `${(w / 3600).toFixed(2)} h at 1 s per write, ${Math.ceil(w / CONTENT_WRITES_PER_HOUR)} h of GitHub's ${CONTENT_WRITES_PER_HOUR}/h`;
      process.stdout.write(
        `  ${stack} (${stack === "dev" ? "direct" : "gitops"}): ${f.resources} Pulumi resources, ${f.kubernetesObjects} Kubernetes objects, ` +
          `${f.githubFiles} GitHub files (${f.workflowFiles} workflows); writes: first up ${f.firstUpWrites} (${hours(f.firstUpWrites)}), ` +
          `template change ${f.templateChangeWrites}; largest object ${f.largestObjectBytes} B, largest committed file ${f.largestFileBytes} B\n`,
      );
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (results.length < 2) return 0;
  const ratio = results[1].render.wallSeconds / results[0].render.wallSeconds;
  const ok = ratio <= MAX_RATIO;
  process.stdout.write(`10,000 / 1,000 wall time: ${ratio.toFixed(1)}x (limit ${MAX_RATIO}x): ${ok ? "ok" : "SUPERLINEAR"}\n`);
  return ok ? 0 : 1;
}

function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, child));
    else out.push(child);
  }
  return out;
}

if (require.main === module) process.exitCode = main();
