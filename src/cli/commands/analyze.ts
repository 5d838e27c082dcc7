import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeDockerfile } from "../../analysis/dockerfile";
import { analyzeEstate, LOCK_FILE_NAME, serializeLock, writeLock } from "../../analysis/lock";
import { type DockerfileSource, githubSource, gitlabSource, localSource, MAX_DOCKERFILE_BYTES, providerSource } from "../../analysis/sources";
import { isGitlab } from "../../config/source";
import { formatProblem, type Problem, readUserFile, UserError } from "../../config/errors";
import { DEFAULT_GITLAB_HOSTS, isHttpsApiUrl, tokenProblem } from "../../config/stack";
import { GITLAB_HOSTS_KEY } from "../../config/gitlab-hosts";
import { loadImagesFile } from "../../config/images";
import { BUILD_ARG_NAME, PLATFORM } from "../../config/schema";
import { type CliIO, type Command, displayPath, paint, UsageError } from "../command";
import { analyzeCommandFor, compareLock, localSourceRoot, readStackInputs } from "../stack-inputs";
import { COMMAND_HELP } from "../help";

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "Find every image's base images and write images.lock.yaml",
  help: COMMAND_HELP.analyze,
  options: {
    stack: { type: "string" },
    config: { type: "string", multiple: true },
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
    for (const option of ["build-arg", "platform"]) {
      if (values[option] !== undefined) throw new UsageError(`--${option} only applies with --dockerfile`);
    }
    return analyzeAll(values, io);
  },
};

type Values = Record<string, string | boolean | string[] | undefined>;

async function analyzeOne(values: Values, io: CliIO): Promise<number> {
  for (const option of ["stack", "config", "images", "state", "source-root", "check"]) {
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
  const text = readUserFile(file, shown, { maxBytes: MAX_DOCKERFILE_BYTES });
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

interface AnalyzeTarget {
  imagesPath: string;
  stateDir: string;
  /** The command that rewrites this lock, for messages. */
  rerun: string;
  /** The GitLab hosts read (and sent GITLAB_TOKEN), and what to change when a host is not one. */
  gitlabHosts: readonly string[];
  gitlabHostsHint: string;
}

/** The images.yaml and lock folder: --images/--state, else the stack's. */
function targetOf(values: Values, io: CliIO): AnalyzeTarget {
  if (typeof values.images === "string") {
    if (values.stack !== undefined || values.config !== undefined) throw new UsageError("--images and --stack/--config do not go together: a stack names its own images.yaml");
    const imagesPath = path.resolve(io.cwd, values.images);
    const stateDir = typeof values.state === "string" ? path.resolve(io.cwd, values.state) : path.dirname(imagesPath);
    // Without a stack, the default hosts (the stack setting's default): no GitLab token goes to a host no stack named.
    return {
      imagesPath,
      stateDir,
      rerun: `image-factory analyze --images ${values.images}${typeof values.state === "string" ? ` --state ${values.state}` : ""}`,
      gitlabHosts: DEFAULT_GITLAB_HOSTS,
      gitlabHostsHint: `without a stack only the default hosts are read; run analyze --stack with a stack whose ${GITLAB_HOSTS_KEY} lists the host, or fix source.host`,
    };
  }
  if (values.state !== undefined) throw new UsageError("--state needs --images (a stack names its own lock folder in image-factory:state)");
  const stack = readStackInputs(values.stack, (values.config as string[] | undefined) ?? [], io);
  return {
    imagesPath: stack.settings.imagesPath,
    stateDir: stack.settings.stateDir,
    rerun: analyzeCommandFor(stack.stack),
    gitlabHosts: stack.settings.gitlab.hosts,
    gitlabHostsHint: `add it to ${GITLAB_HOSTS_KEY} in ${stack.configFile} if the token belongs to it, or fix source.host`,
  };
}

async function analyzeAll(values: Values, io: CliIO): Promise<number> {
  const target = targetOf(values, io);
  const imagesFile = loadImagesFile(target.imagesPath, displayPath(target.imagesPath, io.cwd));
  const lockPath = path.join(target.stateDir, LOCK_FILE_NAME);
  const shownLock = displayPath(lockPath, io.cwd);
  const root = localSourceRoot(values["source-root"], target.imagesPath, io);
  const json = values.json === true;

  if (values.check) {
    const source = root !== undefined ? localSource(root, (f) => displayPath(f, io.cwd)) : remoteSource(io.env, target);
    const check = await compareLock(imagesFile, target.stateDir, source, "some Dockerfiles cannot be read", io);
    if (!check.lock) throw new UserError(check.problems);
    return report(check.status, check.patch, check.problems, shownLock, target, json, io, describe(check.lock));
  }

  const source: DockerfileSource = root !== undefined ? localSource(root, (f) => displayPath(f, io.cwd)) : remoteSource(io.env, target);
  const from = root !== undefined ? displayPath(root, io.cwd) : imagesFile.images.some((i) => isGitlab(i.source)) ? "GitHub and GitLab" : "GitHub";
  const result = await analyzeFrom(imagesFile, source, io);
  if (!result.lock) throw new UserError(result.problems);
  const text = serializeLock(result.lock);
  const status = writeLock(target.stateDir, text, shownLock) ? "written" : "unchanged";
  if (json) {
    io.stdout(`${JSON.stringify({ lock: shownLock, status, ...counts(result.lock), from, problems: result.problems })}\n`);
  } else {
    io.stdout(`${shownLock}: ${status} (${describe(result.lock)}, Dockerfiles from ${from})\n`);
    if (result.problems.length > 0) printProblems(result.problems, io);
  }
  return result.problems.length > 0 ? 1 : 0;
}

async function analyzeFrom(imagesFile: ReturnType<typeof loadImagesFile>, source: DockerfileSource, io: CliIO) {
  const progress = io.isTTY && !io.quiet && imagesFile.images.length > 1;
  const result = await analyzeEstate(imagesFile, {
    source,
    onProgress: progress ? (done, total, name) => io.stderr(`\r\u001b[2Kanalyzing ${done}/${total}: ${name}`) : undefined,
  });
  if (progress) io.stderr("\r\u001b[2K");
  return result;
}

function report(
  status: "fresh" | "stale" | "missing" | "unchecked",
  patch: string | undefined,
  problems: Problem[],
  shownLock: string,
  target: AnalyzeTarget,
  json: boolean,
  io: CliIO,
  described: string,
): number {
  if (json) {
    io.stdout(`${JSON.stringify({ lock: shownLock, status, ...(status === "fresh" ? {} : { command: target.rerun }), problems })}\n`);
  } else {
    if (status === "missing") io.stderr(`${shownLock}: not found: run \`${target.rerun}\` and commit it\n`);
    if (status === "stale") {
      io.stdout(patch ?? "");
      io.stderr(`${shownLock} is ${paint(io, "red", "stale")}: run \`${target.rerun}\` and commit the result\n`);
    }
    if (problems.length > 0) printProblems(problems, io);
    if (status === "fresh" && problems.length === 0 && !io.quiet) io.stdout(`${shownLock}: up to date (${described})\n`);
  }
  return status !== "fresh" || problems.length > 0 ? 1 : 0;
}

/** GitHub sources through GitHub's API, GitLab sources through their host's (GITLAB_TOKEN), only on the listed hosts. */
function remoteSource(env: CliIO["env"], target: AnalyzeTarget): DockerfileSource {
  return providerSource(
    githubSource({ token: envToken(env, "GITHUB_TOKEN"), apiUrl: githubApiUrl(env) }),
    gitlabSource({ token: envToken(env, "GITLAB_TOKEN"), hosts: target.gitlabHosts, hostsHint: target.gitlabHostsHint }),
  );
}

/**
 * GITHUB_TOKEN or GITLAB_TOKEN, checked before any request: unset or empty means none; blank or
 * anything that cannot be an HTTP header value is an error that never shows the token.
 */
function envToken(env: CliIO["env"], name: "GITHUB_TOKEN" | "GITLAB_TOKEN"): string | undefined {
  const token = env[name];
  if (token === undefined || token === "") return undefined;
  const problem = tokenProblem(token);
  if (problem) throw new UserError([{ file: name, message: problem.replace(/set the token \(pulumi config set --secret \.\.\.\)/, "set it or unset it") }]);
  return token;
}

/** GITHUB_API_URL (GitHub Enterprise Server's REST API root, as GitHub Actions sets it), or github.com's. */
function githubApiUrl(env: CliIO["env"]): string | undefined {
  const url = env.GITHUB_API_URL;
  if (url === undefined || url === "") return undefined;
  if (!isHttpsApiUrl(url)) throw new UserError([{ file: "GITHUB_API_URL", message: "must be an https:// URL without credentials, query or fragment, such as https://github.example.com/api/v3" }]);
  return url;
}

function counts(lock: { images: Record<string, unknown>; bases: Record<string, unknown> }): { images: number; bases: number } {
  return { images: Object.keys(lock.images).length, bases: Object.keys(lock.bases).length };
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
