/**
 * `image-factory init`: finds the Dockerfiles in local checkouts and describes a starting
 * images.yaml. It writes what it can read (names, repositories from the git remote,
 * Dockerfile paths, contexts, the default branch) and marks what it cannot know.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DNS1123_LABEL, OWNER_REPO } from "../config/schema";

/** Folders never searched: dependencies, build output, VCS data. */
const SKIP = new Set([".git", "node_modules", "vendor", "dist", "build", "target", ".venv", "venv", "__pycache__", ".terraform"]);
const MAX_DEPTH = 8;

export interface FoundImage {
  name: string;
  /** owner/name, when the git remote or --repo says so. */
  repo?: string;
  /** Why the repository is unknown. */
  repoUnknown?: string;
  /** The remote's default branch (origin/HEAD), when the checkout records it. */
  branch?: string;
  dockerfile: string;
  context: string;
  /** Workflows of the repository that mention the Dockerfile (a hint, not a decision). */
  workflowHints: string[];
  /** The checkout it was found in, as given. */
  checkout: string;
}

/** Whether a file name is a Dockerfile: Dockerfile, Dockerfile.<variant>, <variant>.Dockerfile. */
export function isDockerfileName(name: string): boolean {
  return name === "Dockerfile" || /^Dockerfile\.[A-Za-z0-9._-]+$/.test(name) || /^[A-Za-z0-9._-]+\.[Dd]ockerfile$/.test(name);
}

/** owner/name from a GitHub (or GitHub Enterprise) remote URL, else undefined. */
export function repoFromRemote(url: string): string | undefined {
  const m = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?[^:/]+(?::\d+)?[:/](.+?)(?:\.git)?\/?$/.exec(url.trim());
  const candidate = m?.[1]?.replace(/^\/+/, "");
  return candidate && OWNER_REPO.test(candidate) ? candidate : undefined;
}

/** The git directory of a checkout (.git folder, or the one a .git file points to). */
function gitDirOf(root: string): string | undefined {
  const dotGit = path.join(root, ".git");
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dotGit);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return dotGit;
  const pointer = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, "utf8"))?.[1];
  return pointer ? path.resolve(root, pointer.trim()) : undefined;
}

/** The git directory holding config (a linked worktree shares its main repository's). */
function commonDirOf(gitDir: string): string {
  const file = path.join(gitDir, "commondir");
  return fs.existsSync(file) ? path.resolve(gitDir, fs.readFileSync(file, "utf8").trim()) : gitDir;
}

/** The origin remote's URL and default branch, from the checkout's own files (no git binary). */
export function gitFacts(root: string): { remote?: string; branch?: string } {
  const gitDir = gitDirOf(root);
  if (!gitDir) return {};
  const common = commonDirOf(gitDir);
  const facts: { remote?: string; branch?: string } = {};
  try {
    const config = fs.readFileSync(path.join(common, "config"), "utf8");
    const section = /\[remote "origin"\]([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(config)?.[1];
    const url = section ? /^\s*url\s*=\s*(.+)$/m.exec(section)?.[1] : undefined;
    if (url) facts.remote = url.trim();
  } catch {
    // No config: no remote.
  }
  try {
    const head = fs.readFileSync(path.join(common, "refs", "remotes", "origin", "HEAD"), "utf8");
    const branch = /^ref: refs\/remotes\/origin\/(.+)$/m.exec(head)?.[1];
    if (branch) facts.branch = branch.trim();
  } catch {
    // origin/HEAD is only recorded by clone; without it the default branch is not known.
  }
  return facts;
}

function walk(dir: string, depth: number, found: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    // Symbolic links are not followed: a checkout's files are its own.
    if (e.isDirectory()) {
      if (!SKIP.has(e.name) && depth < MAX_DEPTH) walk(full, depth + 1, found);
    } else if (e.isFile() && isDockerfileName(e.name)) {
      found.push(full);
    }
  }
}

/** An image name from a Dockerfile's place: its folder (or the repository at the root), plus its variant. */
export function imageNameFor(dockerfile: string, repoName: string): string {
  const base = path.posix.basename(dockerfile);
  const folder = path.posix.dirname(dockerfile);
  const stem = folder === "." ? repoName : path.posix.basename(folder);
  const variant = base === "Dockerfile" ? "" : base.startsWith("Dockerfile.") ? base.slice("Dockerfile.".length) : base.replace(/\.[Dd]ockerfile$/, "");
  const raw = variant ? `${stem}-${variant}` : stem;
  const label = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return DNS1123_LABEL.test(label) ? label : "image";
}

function workflowHints(root: string, dockerfile: string): string[] {
  const dir = path.join(root, ".github", "workflows");
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  return files.filter((f) => {
    try {
      return fs.readFileSync(path.join(dir, f), "utf8").includes(dockerfile);
    } catch {
      return false;
    }
  });
}

/**
 * Every Dockerfile in the checkouts, with what can be read about it. `repoOverride` applies
 * when exactly one checkout is given.
 */
export function scanCheckouts(checkouts: readonly { dir: string; shownAs: string }[], repoOverride?: string): FoundImage[] {
  const images: FoundImage[] = [];
  for (const { dir, shownAs } of checkouts) {
    const facts = gitFacts(dir);
    const fromRemote = facts.remote ? repoFromRemote(facts.remote) : undefined;
    const repo = repoOverride ?? fromRemote;
    const repoUnknown = repo
      ? undefined
      : facts.remote
        ? `the origin remote ${JSON.stringify(facts.remote)} does not name owner/name`
        : `${shownAs} has no git origin remote`;
    const files: string[] = [];
    walk(dir, 0, files);
    const repoName = repo ? repo.split("/")[1] : path.basename(path.resolve(dir));
    for (const file of files) {
      const dockerfile = path.relative(dir, file).split(path.sep).join("/");
      const context = path.posix.dirname(dockerfile);
      images.push({
        name: imageNameFor(dockerfile, repoName),
        ...(repo ? { repo } : { repoUnknown }),
        ...(facts.branch ? { branch: facts.branch } : {}),
        dockerfile,
        context,
        workflowHints: workflowHints(dir, dockerfile),
        checkout: shownAs,
      });
    }
  }
  // Names are unique in images.yaml: a second "api" becomes "api-2".
  const taken = new Map<string, number>();
  for (const image of images) {
    const n = (taken.get(image.name) ?? 0) + 1;
    taken.set(image.name, n);
    if (n > 1) image.name = `${image.name.slice(0, 60)}-${n}`;
  }
  return images;
}

/** A YAML scalar that reads back as the same string. */
function scalar(text: string): string {
  return /^[A-Za-z0-9._/-]+$/.test(text) && !/^(true|false|null|yes|no|on|off|~|[0-9.]+)$/i.test(text) ? text : JSON.stringify(text);
}

/** The starting images.yaml: known fields set, unknown ones left out with a comment saying so. */
export function renderStartingImages(images: readonly FoundImage[], opts: { schemaRef?: string } = {}): string {
  const lines: string[] = [];
  if (opts.schemaRef) lines.push(`# yaml-language-server: $schema=${opts.schemaRef}`);
  lines.push(
    "# Written by `image-factory init` from the Dockerfiles it found. Review every entry:",
    "# lines marked NOT KNOWN are facts init cannot read from a checkout; the images.yaml is",
    "# not valid until they are filled in (`image-factory validate --images FILE` lists them).",
    "# Unset fields take their defaults: registry ghcr.io, rebuildDelay 7d, autoRebuild true,",
    "# platforms [linux/amd64]; without source.workflow the factory generates a build workflow.",
    "",
  );
  if (images.length === 0) {
    lines.push("# No Dockerfile was found.", "[]");
    return `${lines.join("\n")}\n`;
  }
  for (const image of images) {
    lines.push(`- name: ${scalar(image.name)}`);
    lines.push("  # repository: NOT KNOWN: where the image is published in the registry, e.g. acme/app");
    lines.push("  source:");
    if (image.repo) lines.push(`    repo: ${scalar(image.repo)}`);
    else lines.push(`    # repo: NOT KNOWN: ${image.repoUnknown}; set owner/name (or pass --repo)`);
    if (image.branch) lines.push(`    branch: ${scalar(image.branch)}`);
    else lines.push("    # branch: not recorded in the checkout; main is used unless set");
    lines.push(`    dockerfile: ${scalar(image.dockerfile)}`);
    if (image.context !== ".") lines.push(`    context: ${scalar(image.context)}`);
    for (const hint of image.workflowHints) {
      lines.push(`    # workflow: ${scalar(hint)}   # mentions this Dockerfile: set it if that workflow builds and pushes this image`);
    }
    lines.push("");
  }
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}
