/**
 * Per-environment overlays (stacks/<stack>.yaml): which images a stack enrolls and how it
 * treats them, on top of the images.yaml every stack shares.
 *
 *   images:                  # which images this environment enrolls (default: all)
 *     include: [backstage, uv]
 *     exclude: [e2e-runner]
 *   defaults:                # for every enrolled image
 *     autoRebuild: false
 *     rebuildDelay: 14d
 *     rebuildWindow: { days: [sat, sun], from: "01:00", to: "05:00", timeZone: Europe/London }
 *   overrides:               # per image; wins over defaults
 *     uv: { rebuildDelay: 3d, autoRebuild: true }
 *   registries:              # polling per registry (merged over the stack's registries)
 *     docker.io: { interval: 6h, pullsPerHour: 10, authenticated: true }
 *   bases:                   # polling per base, by image reference
 *     node:22-bookworm-slim: { interval: 12h }
 *
 * Validated like images.yaml: strict keys with suggestions, every problem with its line. An
 * image named here that images.yaml does not have is an error: a typo would otherwise
 * silently enroll or configure nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { formatReference, InvalidReferenceError, type ImageReference, parseImageReference, repoURL } from "./reference";
import { type Problem, readUserFile, UserError } from "./errors";
import type { ImagesFile } from "./images";
import { type BaseDeclaration, dns1123Label, duration, registryHost } from "./schema";
import { registrySettingsSchema, type StackSettings } from "./stack";
import { policyProblems } from "./text-policy";
import { rebuildWindowSchema } from "./window";
import { suggest, typeName, validateWith } from "./validate";
import { parseSourcedYaml, type SourcedYaml } from "./yaml-source";

const imageSettings = z.strictObject({
  rebuildDelay: duration.optional(),
  autoRebuild: z.boolean("must be true or false").optional(),
  rebuildWindow: rebuildWindowSchema.optional(),
});

export const overlaySchema = z.strictObject({
  images: z
    .strictObject({
      /** Only these images (default: every image of images.yaml). */
      include: z.array(dns1123Label).optional(),
      /** Not these images. */
      exclude: z.array(dns1123Label).default([]),
    })
    .default({ exclude: [] }),
  defaults: imageSettings.default({}),
  overrides: z.record(dns1123Label, imageSettings).default({}),
  registries: z.record(registryHost, registrySettingsSchema).default({}),
  bases: z.record(z.string().min(1), z.strictObject({ interval: duration })).default({}),
});

export type Overlay = z.output<typeof overlaySchema> & {
  /** The file, as named in errors. */
  file: string;
  /** Line of a field, for errors found after validation (e.g. an unknown image). */
  lineOf?: SourcedYaml["lineOf"];
};

/** Validates overlay text. `file` names the file in errors. */
export function parseOverlayText(text: string, file: string): Overlay {
  const parsed = parseSourcedYaml(text, file);
  if (!parsed.ok) throw new UserError(parsed.problems);
  const { yaml } = parsed;
  const data = yaml.data ?? {};
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new UserError([{ file, line: yaml.lineOf([]), message: `must be a mapping (images, defaults, overrides, registries, bases), got ${typeName(data)}` }]);
  }
  const policy = policyProblems(data, { file, lineOf: yaml.lineOf, lineOfKey: yaml.lineOfKey });
  const misplaced = scanInOverlay(data as Record<string, unknown>, file, yaml);
  if (misplaced.length > 0) throw new UserError(misplaced);
  const result = validateWith(overlaySchema, data, { yaml, basePath: [] });
  if (policy.length > 0) {
    const fields = new Set(policy.map((p) => p.field));
    throw new UserError([...policy, ...(result.ok ? [] : result.problems.filter((p) => !fields.has(p.field)))]);
  }
  if (!result.ok) throw new UserError(result.problems);
  const problems: Problem[] = [];
  for (const [ref, _] of Object.entries(result.value.bases)) {
    try {
      const parsedRef = parseImageReference(ref);
      if (parsedRef.digest !== undefined) problems.push({ file, line: yaml.lineOfKey(["bases"], ref), field: `bases.${ref}`, message: "is pinned by digest and can never move: name the base by tag" });
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
      problems.push({ file, line: yaml.lineOfKey(["bases"], ref), field: `bases.${ref}`, message: `is not an image reference: ${e.reason}` });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return { ...result.value, file, lineOf: yaml.lineOf };
}

/**
 * `scan` is per image in images.yaml only. The scan runs in the build workflow, one file per
 * repository that the owner stack commits and a canary stack dispatches too: a stack's own
 * threshold could not apply to it, and the canary's early warning must use the very gate the
 * real build applies.
 */
function scanInOverlay(data: Record<string, unknown>, file: string, yaml: SourcedYaml): Problem[] {
  const message = "scan is set per image in images.yaml, not per stack: the scan runs in the build workflow every stack dispatches (a canary's dry run must apply the same gate as the real build)";
  const problems: Problem[] = [];
  const defaults = data.defaults;
  if (defaults && typeof defaults === "object" && !Array.isArray(defaults) && "scan" in defaults) {
    problems.push({ file, line: yaml.lineOfKey(["defaults"], "scan"), field: "defaults.scan", message });
  }
  const overrides = data.overrides;
  if (overrides && typeof overrides === "object" && !Array.isArray(overrides)) {
    for (const [name, o] of Object.entries(overrides)) {
      if (o && typeof o === "object" && !Array.isArray(o) && "scan" in o) problems.push({ file, line: yaml.lineOfKey(["overrides", name], "scan"), field: `overrides.${name}.scan`, message });
    }
  }
  return problems;
}

/** Overlays larger than this are refused. */
export const MAX_OVERLAY_BYTES = 1024 * 1024;

/** Reads an overlay file (a missing file is an error: it was named explicitly). */
export function loadOverlay(filePath: string, shownAs: string = filePath): Overlay {
  return parseOverlayText(readUserFile(filePath, shownAs, { maxBytes: MAX_OVERLAY_BYTES }), shownAs);
}

/**
 * The stack's overlay: `image-factory:overlay` when set (it must exist), else
 * stacks/<stack>.yaml when that exists, else none.
 */
export function loadStackOverlay(opts: { projectDir: string; stack: string; overlay?: string }): Overlay | undefined {
  if (opts.overlay !== undefined) {
    const file = path.resolve(opts.projectDir, opts.overlay);
    return loadOverlay(file, shown(file, opts.projectDir));
  }
  const file = path.join(opts.projectDir, "stacks", `${opts.stack}.yaml`);
  return fs.existsSync(file) ? loadOverlay(file, shown(file, opts.projectDir)) : undefined;
}

export interface ApplyOverlayOptions {
  /**
   * The lock. When given, base declarations that no enrolled image uses any more are
   * dropped, instead of failing the estate as unused declarations.
   */
  lock?: LockedBases;
}

/** What the overlay needs of the lock (analysis/lock.ts `Lock`): each image's recorded bases. */
export interface LockedBases {
  images: Record<string, { bases: ReadonlyArray<{ reference: string }> } | undefined>;
}

/**
 * images.yaml as this environment sees it: only the enrolled images, with the overlay's
 * rebuildDelay/autoRebuild/rebuildWindow, and the overlay's base intervals as base declarations. Pure.
 */
export function applyOverlay(imagesFile: ImagesFile, overlay: Overlay | undefined, opts: ApplyOverlayOptions = {}): ImagesFile {
  if (!overlay) return imagesFile;
  const names = imagesFile.images.map((i) => i.name);
  const known = new Set(names);
  const problems: Problem[] = [];
  const unknownImage = (name: string, at: ReadonlyArray<string | number>, field: string) => {
    if (known.has(name)) return;
    const hint = suggest(name, names);
    problems.push({
      file: overlay.file,
      line: overlay.lineOf?.(at),
      field,
      message: `names image "${name}", which ${imagesFile.file} does not have${hint ? `; did you mean ${hint}?` : ""}`,
    });
  };
  overlay.images.include?.forEach((n, i) => unknownImage(n, ["images", "include", i], `images.include[${i}]`));
  overlay.images.exclude.forEach((n, i) => unknownImage(n, ["images", "exclude", i], `images.exclude[${i}]`));
  for (const n of Object.keys(overlay.overrides)) unknownImage(n, ["overrides", n], `overrides.${n}`);

  const include = overlay.images.include ? new Set(overlay.images.include) : undefined;
  const exclude = new Set(overlay.images.exclude);
  overlay.images.exclude.forEach((n, i) => {
    if (include?.has(n)) {
      problems.push({ file: overlay.file, line: overlay.lineOf?.(["images", "exclude", i]), field: `images.exclude[${i}]`, message: `image "${n}" is also in images.include: list it in one of them` });
    }
  });
  for (const n of Object.keys(overlay.overrides)) {
    if ((include && !include.has(n)) || exclude.has(n)) {
      problems.push({ file: overlay.file, line: overlay.lineOf?.(["overrides", n]), field: `overrides.${n}`, message: `configures image "${n}", which this overlay does not enroll` });
    }
  }
  if (problems.length > 0) throw new UserError(problems);

  const images = imagesFile.images
    .filter((i) => (!include || include.has(i.name)) && !exclude.has(i.name))
    .map((i) => {
      const own = overlay.overrides[i.name] ?? {};
      return {
        ...i,
        rebuildDelay: own.rebuildDelay ?? overlay.defaults.rebuildDelay ?? i.rebuildDelay,
        autoRebuild: own.autoRebuild ?? overlay.defaults.autoRebuild ?? i.autoRebuild,
        ...windowOf(own.rebuildWindow ?? overlay.defaults.rebuildWindow ?? i.rebuildWindow),
      };
    });

  // Base intervals: an existing declaration of the same base gets the interval; otherwise
  // a digest-following declaration is added (the default way a base is watched).
  const bases: BaseDeclaration[] = imagesFile.bases.map((b) => ({ ...b }));
  const keyOf = (text: string) => tagKey(parseImageReference(text));
  for (const [ref, { interval }] of Object.entries(overlay.bases)) {
    const key = keyOf(ref);
    const existing = bases.find((b) => safeKey(b.base) === key);
    if (existing) existing.interval = interval;
    else bases.push({ base: ref, tagPolicy: "digest", interval });
  }

  let kept = bases;
  if (opts.lock) {
    const used = new Set<string>();
    for (const image of images) {
      const locked = Object.prototype.hasOwnProperty.call(opts.lock.images, image.name) ? opts.lock.images[image.name] : undefined;
      for (const b of locked?.bases ?? []) {
        const k = safeKey(b.reference);
        if (k) used.add(k);
      }
    }
    // A base the overlay tunes that no enrolled image is built on is a typo or a leftover.
    const unused: Problem[] = [];
    for (const ref of Object.keys(overlay.bases)) {
      const k = safeKey(ref);
      if (k !== undefined && !used.has(k)) {
        unused.push({ file: overlay.file, line: overlay.lineOf?.(["bases", ref]), field: `bases.${ref}`, message: "no image this stack enrolls is built on this base (per the lock): remove the entry or fix the reference" });
      }
    }
    if (unused.length > 0) throw new UserError(unused);
    kept = bases.filter((b) => {
      const k = safeKey(b.base);
      return k === undefined || used.has(k);
    });
  }
  return { file: imagesFile.file, images, bases: kept };
}

/** The stack's registry settings with the overlay's merged over them, per field. */
export function overlayRegistries(registries: StackSettings["registries"], overlay: Overlay | undefined): StackSettings["registries"] {
  if (!overlay) return registries;
  const out: StackSettings["registries"] = { ...registries };
  for (const [host, settings] of Object.entries(overlay.registries)) out[host] = { ...(out[host] ?? {}), ...settings };
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}

/** The key only when there is a window: an image without one has no `rebuildWindow` key at all. */
function windowOf(window: ImagesFile["images"][number]["rebuildWindow"]) {
  return window ? { rebuildWindow: window } : {};
}

function tagKey(ref: ImageReference): string {
  return `${repoURL(ref)}:${ref.tag ?? ""}`;
}

function safeKey(text: string): string | undefined {
  try {
    const ref = parseImageReference(text);
    return ref.digest === undefined ? tagKey(ref) : formatReference(ref);
  } catch (e) {
    if (e instanceof InvalidReferenceError) return undefined; // buildEstate reports it
    throw e;
  }
}

function shown(file: string, projectDir: string): string {
  const rel = path.relative(projectDir, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : file;
}
