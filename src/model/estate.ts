/**
 * images.yaml + images.lock.yaml → the Estate model: which external bases to watch (and how),
 * what each image rebuilds on, and the order rebuilds cascade in.
 *
 * Every inconsistency is a UserError, all collected before throwing: a stale or missing lock
 * entry (the program must not act on bases computed from other inputs), an unresolved FROM (a
 * base would be silently missed), an ignoreBases entry that matches nothing (likely a typo), a
 * base declared twice, and a rebuild cycle.
 */
import type { ImagesFile } from "../config/images";
import { type Problem, UserError } from "../config/errors";
import type { BaseDeclaration } from "../config/schema";
import { topologicalOrder } from "../analysis/graph";
import { inputDifferences, LOCK_FILE_NAME, type Lock, lockInputsOf } from "../analysis/lock";
import { formatReference, type ImageReference, InvalidReferenceError, parseImageReference, repoURL } from "../config/reference";
import type { Estate, ImageNode, RebuildTrigger, WatchedBase } from "./types";

const RERUN = "run `image-factory analyze` and commit images.lock.yaml";

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `<registry>/<repository>:<tag>`: what a watched base follows, before any platform suffix. */
function tagKey(ref: ImageReference): string {
  return `${repoURL(ref)}:${ref.tag ?? ""}`;
}

interface Declared {
  decl: BaseDeclaration;
  ref: ImageReference;
  key: string;
  used: boolean;
}

export function buildEstate(imagesFile: ImagesFile, lock: Lock): Estate {
  const problems: Problem[] = [];
  const file = imagesFile.file;
  const lockFile = lock.file ?? LOCK_FILE_NAME;
  const parse = (text: string, report: (reason: string) => void): ImageReference | undefined => {
    try {
      return parseImageReference(text);
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
      report(e.reason);
      return undefined;
    }
  };

  // Managed images by their normalized repository, to recognise a managed parent at any tag.
  const managedByRepo = new Map<string, string>();
  const nodeRepo = new Map<string, string>();
  for (const image of imagesFile.images) {
    const ref = parse(`${image.registry}/${image.repository}`, (reason) =>
      problems.push({ file, subject: `image "${image.name}"`, field: "repository", message: `is not a valid image repository: ${reason}` }),
    );
    if (!ref) continue;
    const url = repoURL(ref);
    const other = managedByRepo.get(url);
    if (other !== undefined) {
      problems.push({ file, subject: `image "${image.name}"`, field: "repository", message: `${url} is also the repository of image "${other}"` });
    }
    managedByRepo.set(url, image.name);
    nodeRepo.set(image.name, url);
  }

  // Explicit base declarations, keyed like the lock's bases.
  const declared = new Map<string, Declared>();
  for (const decl of imagesFile.bases) {
    const subject = `base "${decl.base}"`;
    const ref = parse(decl.base, (reason) => problems.push({ file, subject, field: "base", message: `is not a valid image reference: ${reason}` }));
    if (!ref) continue;
    if (ref.digest !== undefined) {
      problems.push({ file, subject, field: "base", message: "is pinned by digest, so it can never move: declare it by tag" });
      continue;
    }
    const key = tagKey(ref);
    const first = declared.get(key);
    if (first) {
      problems.push({ file, subject, field: "base", message: `declares the same base as "${first.decl.base}" (both are ${formatReference(ref)})` });
      continue;
    }
    const managed = managedByRepo.get(repoURL(ref));
    if (managed !== undefined) {
      problems.push({ file, subject, field: "base", message: `is image "${managed}" of this estate: its dependents rebuild when it publishes, it is not watched as a base` });
      continue;
    }
    declared.set(key, { decl, ref, key, used: false });
  }

  const nodes: ImageNode[] = [];
  const edges: Array<[string, string]> = [];
  const watched = new Map<string, WatchedBase>();
  const unwatched: Estate["unwatched"] = [];

  for (const spec of imagesFile.images) {
    const subject = `image "${spec.name}"`;
    const entry = Object.prototype.hasOwnProperty.call(lock.images, spec.name) ? lock.images[spec.name] : undefined;
    if (!entry) {
      problems.push({ file: lockFile, subject, message: `images.lock.yaml is stale for image ${spec.name}: ${RERUN} (the lock has no entry for it)` });
      continue;
    }
    const differences = inputDifferences(entry.inputs, lockInputsOf(spec));
    if (differences.length > 0) {
      problems.push({ file: lockFile, subject, message: `images.lock.yaml is stale for image ${spec.name}: ${RERUN} (${differences.join("; ")})` });
      continue;
    }
    const where = `${entry.inputs.repo}@${entry.inputs.branch}:${entry.inputs.dockerfile}`;
    for (const u of entry.unresolved) {
      problems.push({ file: where, line: u.line, subject, message: `the base cannot be determined: ${u.reason} (fix the Dockerfile or buildArgs, then ${RERUN})` });
    }
    if (entry.unresolved.length > 0) continue;

    // ignoreBases: normalized, and each must match one of the image's bases.
    const ignores: ImageReference[] = [];
    spec.ignoreBases.forEach((text, i) => {
      const ref = parse(text, (reason) => problems.push({ file, subject, field: `ignoreBases[${i}]`, message: `is not a valid image reference: ${reason}` }));
      if (ref) ignores.push(ref);
    });
    const bases = [...entry.bases].sort((a, b) => byCodeUnit(a.reference, b.reference));
    const baseRefs = new Map<string, ImageReference>();
    for (const base of bases) {
      const ref = parse(base.reference, (reason) => problems.push({ file: lockFile, subject, message: `records an invalid base ${JSON.stringify(base.reference)}: ${reason}; ${RERUN}` }));
      if (ref) baseRefs.set(base.reference, ref);
    }
    // An ignore entry matches a base with the same repository and tag (and digest, when it names one).
    const ignoreMatches = (ignore: ImageReference, ref: ImageReference) =>
      repoURL(ignore) === repoURL(ref) && ignore.tag === ref.tag && (ignore.digest === undefined || ignore.digest === ref.digest);
    ignores.forEach((ignore, i) => {
      if (![...baseRefs.values()].some((ref) => ignoreMatches(ignore, ref))) {
        problems.push({
          file,
          subject,
          field: `ignoreBases[${i}]`,
          message: `${formatReference(ignore)} is not a base of this image (its bases: ${bases.map((b) => b.reference).join(", ") || "none"}); is it a typo?`,
        });
      }
    });

    const triggers: RebuildTrigger[] = [];
    for (const base of bases) {
      const ref = baseRefs.get(base.reference);
      if (!ref) continue;
      const skip = (reason: string) => unwatched.push({ image: spec.name, reference: base.reference, reason });
      if (spec.rebuildOn === "runtime" && !base.runtime) {
        skip("build-only base, and the image has rebuildOn: runtime");
        continue;
      }
      if (ignores.some((ignore) => ignoreMatches(ignore, ref))) {
        skip("listed in the image's ignoreBases");
        continue;
      }
      if (ref.digest !== undefined) {
        skip(`pinned by digest ${ref.digest}: it cannot move, so nothing watches it`);
        continue;
      }
      const parent = managedByRepo.get(repoURL(ref));
      if (parent !== undefined) {
        triggers.push({ source: { kind: "image", name: parent }, reference: base.reference, runtime: base.runtime });
        edges.push([parent, spec.name]);
        continue;
      }
      const tk = tagKey(ref);
      const decl = declared.get(tk);
      if (decl) decl.used = true;
      const key = decl?.decl.platform ? `${tk}@${decl.decl.platform}` : tk;
      let wb = watched.get(key);
      if (!wb) {
        // Fixed key order (optional fields only when set), so the model serializes the same way.
        wb = { key, registry: ref.registry, repoURL: repoURL(ref), tag: ref.tag as string } as WatchedBase;
        if (decl?.decl.platform) wb.platform = decl.decl.platform;
        wb.tagPolicy = decl?.decl.tagPolicy ?? "digest";
        if (decl?.decl.constraint !== undefined) wb.constraint = decl.decl.constraint;
        if (decl?.decl.interval !== undefined) wb.interval = decl.decl.interval;
        wb.declared = decl !== undefined;
        wb.dependents = [];
        watched.set(key, wb);
      }
      if (!wb.dependents.includes(spec.name)) wb.dependents.push(spec.name);
      triggers.push({ source: { kind: "base", key }, reference: base.reference, runtime: base.runtime });
    }
    triggers.sort(
      (a, b) =>
        byCodeUnit(a.reference, b.reference) ||
        byCodeUnit(a.source.kind === "base" ? a.source.key : a.source.name, b.source.kind === "base" ? b.source.key : b.source.name),
    );
    nodes.push({ spec, repoURL: nodeRepo.get(spec.name) ?? `${spec.registry}/${spec.repository}`, bases, triggers });
  }

  for (const d of declared.values()) {
    if (!d.used) {
      problems.push({
        file,
        subject: `base "${d.decl.base}"`,
        field: "base",
        message: `no image rebuilds on ${formatReference(d.ref)} (after rebuildOn and ignoreBases): remove the declaration or fix the reference`,
      });
    }
  }

  if (problems.length === 0) {
    const order = topologicalOrder(
      nodes.map((n) => n.spec.name),
      edges,
    );
    if (!order.ok) {
      problems.push({
        file,
        subject: `image "${order.cycle[0]}"`,
        message: `rebuild cycle: ${order.cycle.join(" → ")} (each is built FROM the next one's repository, so they would rebuild each other forever)`,
      });
    } else {
      const byName = new Map(nodes.map((n) => [n.spec.name, n]));
      for (const wb of watched.values()) wb.dependents.sort(byCodeUnit);
      unwatched.sort((a, b) => byCodeUnit(a.image, b.image) || byCodeUnit(a.reference, b.reference) || byCodeUnit(a.reason, b.reason));
      return {
        images: order.order.map((name) => byName.get(name) as ImageNode),
        bases: [...watched.values()].sort((a, b) => byCodeUnit(a.key, b.key)),
        unwatched,
      };
    }
  }
  throw new UserError(problems);
}
