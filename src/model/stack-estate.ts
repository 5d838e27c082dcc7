/**
 * The estate one stack applies: images.yaml, the stack's overlay (stacks/<stack>.yaml) and the
 * lock, validated and combined. The program and `image-factory plan` both call this, so the
 * plan describes exactly what `pulumi up` would declare.
 */
import { type Lock, readLock } from "../analysis/lock";
import { displayPath } from "../config/display-path";
import { type ImagesFile, loadImagesFile } from "../config/images";
import { applyOverlay, loadStackOverlay, type Overlay, overlayRegistries } from "../config/overlay";
import type { StackSettings } from "../config/stack";
import { estateRevision, programFingerprint } from "./revision";
import { buildEstate } from "./estate";
import type { Estate } from "./types";

export interface StackEstate {
  /** images.yaml as loaded, before the overlay. */
  imagesFile: ImagesFile;
  /** images.yaml as this stack sees it: the overlay's enrollment and overrides applied. */
  enrolled: ImagesFile;
  overlay?: Overlay;
  lock: Lock;
  estate: Estate;
  /** The stack's registry settings with the overlay's merged over them. */
  registries: StackSettings["registries"];
  /** The estate revision (see model/revision.ts): the same for every stack of a commit. */
  revision: string;
}

/** Reads and validates everything; throws a UserError naming the file, image and field. */
export function loadStackEstate(settings: StackSettings, opts: { projectDir: string; stack: string }): StackEstate {
  const { projectDir } = opts;
  const imagesFile = loadImagesFile(settings.imagesPath, displayPath(settings.imagesPath, projectDir));
  const lock = readLock(settings.stateDir, { shownAs: displayPath(`${settings.stateDir}/images.lock.yaml`, projectDir) });
  const overlay = loadStackOverlay({ projectDir, stack: opts.stack, overlay: settings.overlay });
  const enrolled = applyOverlay(imagesFile, overlay, { lock });
  const estate = buildEstate(enrolled, lock);
  return {
    imagesFile,
    enrolled,
    ...(overlay ? { overlay } : {}),
    lock,
    estate,
    registries: overlayRegistries(settings.registries, overlay),
    revision: estateRevision({ imagesFile, lock, program: programFingerprint(projectDir) }),
  };
}
