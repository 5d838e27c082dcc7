/**
 * Scale benchmark (not a test): renders generated estates of 1,000 images over 200 bases and
 * 10,000 images over 2,000 bases, each render in its own process, and prints wall time and
 * peak memory (RSS). The 10,000-image render must take no more than 12 times the 1,000-image
 * one; a bigger ratio means superlinear work somewhere.
 *
 *   npx tsx bench/scale-bench.ts [--runs N] [--plan]
 *
 * --plan also times `image-factory plan` (render plus the estate, graph and fan-out).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Lock, LOCK_FILE_NAME, lockInputsOf, serializeLock } from "../src/analysis/lock";
import { parseImagesText } from "../src/config/images";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin", "image-factory.js");

interface Size {
  images: number;
  bases: number;
}

const SIZES: Size[] = [
  { images: 1000, bases: 200 },
  { images: 10000, bases: 2000 },
];
const REGISTRIES = ["docker.io/library", "ghcr.io/upstream", "quay.io/upstream", "gcr.io/distroless", "public.ecr.aws/upstream"];
const MAX_RATIO = 12;

/** A deterministic pseudo-random sequence, so every run benchmarks the same estate. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * images.yaml and a matching lock. Like a real estate, base use is skewed (half the images
 * share the 20 most popular bases), some images are built on other managed images, a few
 * keep their own workflow or wait for a person.
 */
export function generateEstate(size: Size, dir: string): { images: string; state: string } {
  const rand = random(size.images * 7919 + size.bases);
  const baseRef = (i: number) => `${REGISTRIES[i % REGISTRIES.length]}/base-${i}:${1 + (i % 9)}.${i % 7}`;
  const pickBase = () => (rand() < 0.5 ? Math.floor(rand() * Math.min(20, size.bases)) : Math.floor(rand() * size.bases));
  const repos = Math.max(1, Math.floor(size.images / 20));
  const lines: string[] = [];
  const froms: string[][] = [];
  for (let i = 0; i < size.images; i++) {
    const name = `img-${String(i).padStart(5, "0")}`;
    const from: string[] = [];
    // One in ten is built on an earlier managed image (a chain), the rest on a base.
    if (i > 10 && rand() < 0.1) from.push(`ghcr.io/acme/img-${String(Math.floor(rand() * i)).padStart(5, "0")}:1.0.0`);
    else from.push(baseRef(pickBase()));
    if (rand() < 0.3) from.push(baseRef(pickBase()));
    froms.push(from);
    lines.push(
      `- name: ${name}`,
      `  repository: acme/${name}`,
      `  source:`,
      `    repo: acme/repo-${i % repos}`,
      `    dockerfile: ${name}/Dockerfile`,
      ...(i % 17 === 0 ? [`    workflow: ${name}.yml`, `    workflowInputs: [version_bump, triggered_by, base_image, base_digest]`] : []),
      `  rebuildDelay: ${1 + (i % 7)}d`,
      ...(i % 50 === 0 ? ["  autoRebuild: false"] : []),
      ...(i % 10 === 0 ? ["  updates:", `    - repo: acme/deploy-${i % 5}`, `      path: apps/${name}`, "      type: kustomize-set-image"] : []),
    );
  }
  const text = `${lines.join("\n")}\n`;
  const file = path.join(dir, "images.yaml");
  fs.writeFileSync(file, text);
  const parsed = parseImagesText(text, "images.yaml");
  const lock: Lock = { images: {}, bases: {} };
  parsed.images.forEach((spec, i) => {
    const refs = [...new Set(froms[i])].sort();
    lock.images[spec.name] = {
      inputs: lockInputsOf(spec),
      bases: refs.map((reference, j) => ({ reference, runtime: j === 0 || froms[i][0] === reference, line: j + 1 })),
      unresolved: [],
    };
  });
  fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), serializeLock(lock));
  return { images: file, state: dir };
}

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

function main(): number {
  const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 1;
  const withPlan = process.argv.includes("--plan");
  const results: Array<{ size: Size; render: Measurement; plan?: Measurement; files: number }> = [];
  for (const size of SIZES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `if-bench-${size.images}-`));
    const estate = generateEstate(size, dir);
    const renders: Measurement[] = [];
    let files = 0;
    for (let i = 0; i < runs; i++) {
      const out = path.join(dir, `render-${i}`);
      renders.push(measure(["render", "--images", estate.images, "--state", estate.state, "--out", out]));
      files = countFiles(out);
    }
    const render = { wallSeconds: median(renders.map((m) => m.wallSeconds)), peakRssMb: Math.max(...renders.map((m) => m.peakRssMb)) };
    const plan = withPlan ? measure(["plan", "--images", estate.images, "--state", estate.state, "--format", "json"]) : undefined;
    results.push({ size, render, plan, files });
    process.stdout.write(
      `${String(size.images).padStart(6)} images / ${String(size.bases).padStart(5)} bases: render ${render.wallSeconds.toFixed(1).padStart(6)} s, ` +
        `peak ${render.peakRssMb.toFixed(0).padStart(5)} MB, ${files} files` +
        (plan ? `; plan ${plan.wallSeconds.toFixed(1)} s, peak ${plan.peakRssMb.toFixed(0)} MB` : "") +
        "\n",
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ratio = results[1].render.wallSeconds / results[0].render.wallSeconds;
  const ok = ratio <= MAX_RATIO;
  process.stdout.write(`10,000 / 1,000 wall time: ${ratio.toFixed(1)}x (limit ${MAX_RATIO}x): ${ok ? "ok" : "SUPERLINEAR"}\n`);
  return ok ? 0 : 1;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

if (require.main === module) process.exitCode = main();
