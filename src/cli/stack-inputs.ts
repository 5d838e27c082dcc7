/**
 * What a command needs to know about the stack it works on: its images.yaml and lock folder
 * (from Pulumi.<stack>.yaml, with --config overrides, as the program reads them), where its
 * Dockerfiles can be read locally, and whether its committed lock still matches them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createTwoFilesPatch } from "diff";
import { analyzeEstate, type Lock, LOCK_FILE_NAME, serializeLock } from "../analysis/lock";
import { type DockerfileSource, localSource } from "../analysis/sources";
import type { Problem } from "../config/errors";
import { UserError } from "../config/errors";
import type { ImagesFile } from "../config/images";
import { parseNamespacedSettings, type StackSettings } from "../config/stack";
import { isStackName, readProjectFile, readStackValues } from "../render/stack-files";
import { type CliIO, defaultStack, displayPath, PACKAGE_ROOT, SOURCES_FOLDER, UsageError } from "./command";

export interface StackInputs {
  stack: string;
  /** Whether the stack was named with --stack (otherwise it is the default stack). */
  named: boolean;
  settings: StackSettings;
  configFile: string;
  /** The stack's namespaced config values (secrets as placeholders). */
  config: Record<string, string>;
  projectDir: string;
}

/** The stack named by --stack (or the default stack) and its settings. */
export function readStackInputs(stackOption: unknown, overrides: readonly string[], io: CliIO): StackInputs {
  const named = typeof stackOption === "string";
  const stack = named ? stackOption : defaultStack(io);
  if (!isStackName(stack)) throw new UsageError(`--stack must be a stack name, got "${stack}"`);
  const projectDir = PACKAGE_ROOT;
  const values = readStackValues(readProjectFile(projectDir), { projectDir, stack, overrides });
  return { stack, named, settings: parseNamespacedSettings(values.config, { stack, projectDir }), configFile: `Pulumi.${stack}.yaml`, config: values.config, projectDir };
}

/** How to re-run analyze for this stack, for messages. */
export function analyzeCommandFor(stack: string): string {
  return `image-factory analyze --stack ${stack}`;
}

/**
 * Where the Dockerfiles can be read on this machine: --source-root, else a `sources/` folder
 * beside images.yaml (<owner>/<repo>/<path>, as in the example estate), else nowhere.
 */
export function localSourceRoot(explicit: unknown, imagesPath: string, io: Pick<CliIO, "cwd">): string | undefined {
  if (typeof explicit === "string") {
    const root = path.resolve(io.cwd, explicit);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UserError([{ file: displayPath(root, io.cwd), message: "--source-root is not a folder" }]);
    return root;
  }
  const beside = path.join(path.dirname(imagesPath), SOURCES_FOLDER);
  return fs.existsSync(beside) && fs.statSync(beside).isDirectory() ? beside : undefined;
}

export type LockStatus = "fresh" | "stale" | "missing" | "unchecked";

export interface LockCheck {
  status: LockStatus;
  /** The lock as shown to the user. */
  file: string;
  /** For "stale": the committed lock against the one the Dockerfiles give, as a unified diff. */
  patch?: string;
  /** For "unchecked": why (no local checkout, or a Dockerfile that could not be read). */
  reason?: string;
  /** The lock the Dockerfiles give (when every one could be read). */
  lock?: Lock;
  /** Unresolved FROM lines and unreadable Dockerfiles. */
  problems: Problem[];
}

/**
 * Analyzes the Dockerfiles under `root` (a local checkout) and compares the result with the
 * committed lock in `stateDir`.
 */
export async function checkLock(
  imagesFile: ImagesFile,
  stateDir: string,
  root: string | undefined,
  io: Pick<CliIO, "cwd" | "isTTY" | "quiet" | "stderr">,
): Promise<LockCheck> {
  if (root === undefined) {
    return {
      status: "unchecked",
      file: displayPath(path.join(stateDir, LOCK_FILE_NAME), io.cwd),
      reason: `no local checkout of the Dockerfiles (pass --source-root DIR, or keep them in ${SOURCES_FOLDER}/ beside images.yaml)`,
      problems: [],
    };
  }
  const local = localSource(root, (f) => displayPath(f, io.cwd));
  return compareLock(imagesFile, stateDir, local, `some Dockerfiles cannot be read under ${displayPath(root, io.cwd)}`, io);
}

/** Analyzes every Dockerfile from `source` and compares the result with the committed lock. */
export async function compareLock(
  imagesFile: ImagesFile,
  stateDir: string,
  source: DockerfileSource,
  unreadable: string,
  io: Pick<CliIO, "cwd" | "isTTY" | "quiet" | "stderr">,
): Promise<LockCheck> {
  const lockPath = path.join(stateDir, LOCK_FILE_NAME);
  const file = displayPath(lockPath, io.cwd);
  const progress = io.isTTY && !io.quiet && imagesFile.images.length > 1;
  const result = await analyzeEstate(imagesFile, {
    source,
    onProgress: progress ? (done, total, name) => io.stderr(`\r\u001b[2Kanalyzing ${done}/${total}: ${name}`) : undefined,
  });
  if (progress) io.stderr("\r\u001b[2K");
  if (!result.lock) {
    return { status: "unchecked", file, reason: unreadable, problems: result.problems };
  }
  const text = serializeLock(result.lock);
  let committed: string | undefined;
  try {
    committed = fs.readFileSync(lockPath, "utf8");
  } catch {
    return { status: "missing", file, lock: result.lock, problems: result.problems };
  }
  if (committed === text) return { status: "fresh", file, lock: result.lock, problems: result.problems };
  const patch = createTwoFilesPatch(`${file} (committed)`, `${file} (from the Dockerfiles)`, committed, text, undefined, undefined, { context: 3 });
  return { status: "stale", file, patch, lock: result.lock, problems: result.problems };
}
