/**
 * The estate revision: a fingerprint of what a stack applies, the same for every stack that
 * applies the same definition. Every stack exports it as the output `estateRevision`; a
 * stack that promotes from another refuses to apply a revision the other has not applied.
 *
 * What it covers, and why:
 *  - images.yaml as validated (defaults applied), not its text: reformatting or a comment
 *    is not a new revision, a changed field is;
 *  - the lock (images.lock.yaml) as parsed: the bases every image rebuilds on;
 *  - the program: index.ts, src/**\/*.ts and the runtime dependencies of package.json. A
 *    program change alters what is applied for the same images.yaml.
 * What it leaves out: per-stack settings and overlays (stacks/<stack>.yaml). Environments
 * differ in those by design; promotion is about the shared definition.
 *
 * Counting a program change that alters nothing (a comment, a CLI-only change) as a new
 * revision costs one extra apply of the upstream stack, which CI does anyway; missing a real
 * change would let an unproven program reach a later environment.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Lock } from "../analysis/lock";
import type { ImagesFile } from "../config/images";

/** The stack output every stack exports and a downstream stack compares. */
export const REVISION_OUTPUT = "estateRevision";

const FORMAT = "image-factory-estate-revision/1";

export interface RevisionParts {
  /** images.yaml as loaded, BEFORE any per-stack overlay. */
  imagesFile: Pick<ImagesFile, "images" | "bases">;
  lock: Pick<Lock, "images">;
  /** programFingerprint() of the project. */
  program: string;
}

/** `sha256:<64 hex>`: the revision of an estate definition. */
export function estateRevision(parts: RevisionParts): string {
  const payload = canonicalJson({
    format: FORMAT,
    images: parts.imagesFile.images,
    bases: parts.imagesFile.bases,
    lock: parts.lock.images,
    program: parts.program,
  });
  return `sha256:${sha256(payload)}`;
}

/** The first 12 hex digits, for messages. */
export function shortRevision(revision: string): string {
  return revision.replace(/^sha256:/, "").slice(0, 12);
}

/**
 * A fingerprint of the program's source: index.ts, every non-test .ts file under src/ and
 * the name, version and runtime dependencies from package.json. Line endings are normalized,
 * so a Windows checkout fingerprints the same as a Linux one.
 */
export function programFingerprint(projectDir: string): string {
  const files: Array<[string, string]> = [];
  const add = (rel: string) => files.push([rel, sha256(fs.readFileSync(path.join(projectDir, rel), "utf8").replace(/\r\n?/g, "\n"))]);
  add("index.ts");
  for (const rel of listTs(projectDir, "src")) add(rel);
  const pkg = JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as { name?: string; version?: string; dependencies?: Record<string, string> };
  files.push(["package.json", sha256(canonicalJson({ name: pkg.name, version: pkg.version, dependencies: pkg.dependencies ?? {} }))]);
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(files.map(([rel, hash]) => `${hash}  ${rel}\n`).join(""));
}

function listTs(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listTs(root, child));
    else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) out.push(child);
  }
  return out;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortDeep(v);
    }
    return out;
  }
  return value;
}
