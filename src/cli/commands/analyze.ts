import * as fs from "node:fs";
import * as path from "node:path";
import { createTwoFilesPatch } from "diff";
import { analyzeDockerfile } from "../../analysis/dockerfile";
import { analyzeEstate, LOCK_FILE_NAME, serializeLock } from "../../analysis/lock";
import { type DockerfileSource, githubSource, localSource } from "../../analysis/sources";
import { formatProblem, readUserFile, UserError } from "../../config/errors";
import { loadImagesFile } from "../../config/images";
import { BUILD_ARG_NAME, PLATFORM } from "../../config/schema";
import { type CliIO, type Command, displayPath, EXAMPLE_IMAGES, EXAMPLE_SOURCES, UsageError } from "../command";

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "Find every image's base images and write images.lock.yaml",
  help: `Usage: image-factory analyze [--images FILE] [--state DIR] [--source-root DIR] [--check]
       image-factory analyze --dockerfile PATH [--build-arg K=V]... [--platform P]... [--json]

Reads each image's Dockerfile and records its base images in images.lock.yaml: the FROM,
COPY --from and RUN --mount from= images, normalized (docker.io/library/node:22), each
marked runtime (the final image is built on it) or build-only, with its Dockerfile line.
The Pulumi program reads only this file, so commit it beside images.yaml and run analyze
again after changing images.yaml or a Dockerfile.

Dockerfiles are read from --source-root (DIR/<owner>/<repo>/<path>) or else from GitHub at
each image's branch (GITHUB_TOKEN, when set, authenticates). A Dockerfile that cannot be
read is reported and nothing is written. A FROM whose image cannot be determined exactly
(an unset ARG, a platform-dependent reference) is recorded, reported, and exits 1.

With --dockerfile, analyzes one local Dockerfile and prints its bases (JSON with --json:
{"bases":[{"reference","runtime","line"}],"unresolved":[{"line","reason"}]}); exits 1 when
something is unresolved.

Options:
  --images FILE       the images.yaml (default: the embedded example estate, whose
                      Dockerfiles are read from its sources/ folder)
  --state DIR         where images.lock.yaml is written (default: beside images.yaml)
  --source-root DIR   read Dockerfiles from DIR/<owner>/<repo>/<path> instead of GitHub
  --check             write nothing; exit 1 with a diff when images.lock.yaml is stale (for CI)
  --dockerfile PATH   analyze one Dockerfile instead of the estate
  --build-arg K=V     a build argument for --dockerfile (repeatable)
  --platform P        a target platform for --dockerfile, e.g. linux/arm64 (repeatable)
  --json              print the --dockerfile result as JSON
  -h, --help          show this help`,
  options: {
    images: { type: "string" },
    state: { type: "string" },
    "source-root": { type: "string" },
    check: { type: "boolean" },
    dockerfile: { type: "string" },
    "build-arg": { type: "string", multiple: true },
    platform: { type: "string", multiple: true },
    json: { type: "boolean" },
  },
  async run({ values }, io) {
    if (typeof values.dockerfile === "string") return analyzeOne(values, io);
    for (const option of ["build-arg", "platform", "json"]) {
      if (values[option] !== undefined) throw new UsageError(`--${option} only applies with --dockerfile`);
    }
    return analyzeAll(values, io);
  },
};

type Values = Record<string, string | boolean | string[] | undefined>;

async function analyzeOne(values: Values, io: CliIO): Promise<number> {
  for (const option of ["images", "state", "source-root", "check"]) {
    if (values[option] !== undefined) throw new UsageError(`--${option} does not apply with --dockerfile`);
  }
  const buildArgs: Record<string, string> = {};
  for (const arg of (values["build-arg"] as string[] | undefined) ?? []) {
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (eq < 0 || !BUILD_ARG_NAME.test(key)) throw new UsageError(`--build-arg must be NAME=VALUE with a valid ARG name, got "${arg}"`);
    buildArgs[key] = arg.slice(eq + 1);
  }
  const platforms = (values.platform as string[] | undefined) ?? [];
  for (const p of platforms) {
    if (!PLATFORM.test(p)) throw new UsageError(`--platform must be os/arch[/variant] such as linux/amd64, got "${p}"`);
  }
  const file = path.resolve(io.cwd, values.dockerfile as string);
  const shown = displayPath(file, io.cwd);
  const text = readUserFile(file, shown);
  const result = analyzeDockerfile(text, { buildArgs, platforms });
  if (values.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
  } else {
    for (const b of result.bases) io.stdout(`${shown}:${b.line}: ${b.reference} (${b.runtime ? "runtime" : "build-only"})\n`);
    if (result.bases.length === 0 && result.unresolved.length === 0) io.stdout(`${shown}: no base images (FROM scratch)\n`);
  }
  for (const u of result.unresolved) io.stderr(`${shown}:${u.line}: unresolved: ${u.reason}\n`);
  return result.unresolved.length > 0 ? 1 : 0;
}

async function analyzeAll(values: Values, io: CliIO): Promise<number> {
  const imagesPath = typeof values.images === "string" ? path.resolve(io.cwd, values.images) : EXAMPLE_IMAGES;
  const shownImages = displayPath(imagesPath, io.cwd);
  const imagesFile = loadImagesFile(imagesPath, shownImages);
  const stateDir = typeof values.state === "string" ? path.resolve(io.cwd, values.state) : path.dirname(imagesPath);
  const lockPath = path.join(stateDir, LOCK_FILE_NAME);
  const shownLock = displayPath(lockPath, io.cwd);

  let source: DockerfileSource;
  let from: string;
  const root = typeof values["source-root"] === "string" ? path.resolve(io.cwd, values["source-root"]) : typeof values.images === "string" ? undefined : EXAMPLE_SOURCES;
  if (root !== undefined) {
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UserError([{ file: displayPath(root, io.cwd), message: "--source-root is not a folder" }]);
    source = localSource(root, (f) => displayPath(f, io.cwd));
    from = displayPath(root, io.cwd);
  } else {
    source = githubSource({ token: io.env.GITHUB_TOKEN || undefined });
    from = "GitHub";
  }

  const progress = io.isTTY && imagesFile.images.length > 1;
  const result = await analyzeEstate(imagesFile, {
    source,
    onProgress: progress ? (done, total, name) => io.stderr(`\r\u001b[2Kanalyzing ${done}/${total}: ${name}`) : undefined,
  });
  if (progress) io.stderr("\r\u001b[2K");
  if (!result.lock) throw new UserError(result.problems);

  const text = serializeLock(result.lock);
  if (values.check) {
    let committed: string | undefined;
    try {
      committed = fs.readFileSync(lockPath, "utf8");
    } catch {
      committed = undefined;
    }
    if (committed === undefined) {
      io.stderr(`${shownLock}: not found: run \`image-factory analyze\` and commit it\n`);
    } else if (committed !== text) {
      io.stdout(createTwoFilesPatch(`${shownLock} (committed)`, `${shownLock} (from the Dockerfiles)`, committed, text, undefined, undefined, { context: 3 }));
      io.stderr(`${shownLock} is stale: run \`image-factory analyze\` and commit the result\n`);
    }
    const stale = committed !== text;
    if (result.problems.length > 0) printProblems(result.problems, io);
    if (!stale && result.problems.length === 0) io.stdout(`${shownLock}: up to date (${describe(result.lock)})\n`);
    return stale || result.problems.length > 0 ? 1 : 0;
  }

  fs.mkdirSync(stateDir, { recursive: true });
  const previous = fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : undefined;
  if (previous !== text) fs.writeFileSync(lockPath, text);
  io.stdout(`${shownLock}: ${previous === text ? "unchanged" : "written"} (${describe(result.lock)}, Dockerfiles from ${from})\n`);
  if (result.problems.length > 0) {
    printProblems(result.problems, io);
    return 1;
  }
  return 0;
}

function describe(lock: { images: Record<string, unknown>; bases: Record<string, unknown> }): string {
  const images = Object.keys(lock.images).length;
  const bases = Object.keys(lock.bases).length;
  return `${images} image${images === 1 ? "" : "s"}, ${bases} distinct base${bases === 1 ? "" : "s"}`;
}

function printProblems(problems: UserError["problems"], io: CliIO): void {
  const sorted = new UserError(problems).problems;
  io.stderr(`${sorted.map(formatProblem).join("\n")}\n`);
  io.stderr(`${sorted.length} problem${sorted.length === 1 ? "" : "s"} found.\n`);
}
