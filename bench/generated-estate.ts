/**
 * A generated estate for the scale benchmark and the scale tests: images.yaml and a
 * matching lock. Like a real estate, base use is skewed (half the images share the 20 most
 * popular bases), one image in ten is built on another managed image (chains), one in ten
 * opens update pull requests, 30% keep their own workflow, and a few wait for a person.
 * Deterministic: the same size gives the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Lock, LOCK_FILE_NAME, lockInputsOf, serializeLock } from "../src/analysis/lock";
import { parseImagesText } from "../src/config/images";

export interface EstateSize {
  images: number;
  bases: number;
  /** Source repositories the images are spread over. */
  repos: number;
  /** Share of images that keep their own workflow (default 0.3). */
  ownWorkflows?: number;
}

const REGISTRIES = ["docker.io/library", "ghcr.io/upstream", "quay.io/upstream", "gcr.io/distroless", "public.ecr.aws/upstream"];

/** A deterministic pseudo-random sequence. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const imageName = (i: number) => `img-${String(i).padStart(5, "0")}`;
export const repoOf = (i: number, size: EstateSize) => `acme/repo-${i % size.repos}`;

/** images.yaml text and the lock for a generated estate. */
export function generateEstateText(size: EstateSize): { images: string; lock: string } {
  const rand = random(size.images * 7919 + size.bases);
  const own = size.ownWorkflows ?? 0.3;
  const baseRef = (i: number) => `${REGISTRIES[i % REGISTRIES.length]}/base-${i}:${1 + (i % 9)}.${i % 7}`;
  const pickBase = () => (rand() < 0.5 ? Math.floor(rand() * Math.min(20, size.bases)) : Math.floor(rand() * size.bases));
  const lines: string[] = [];
  const froms: string[][] = [];
  for (let i = 0; i < size.images; i++) {
    const name = imageName(i);
    const from: string[] = [];
    if (i > 10 && rand() < 0.1) from.push(`ghcr.io/acme/${imageName(Math.floor(rand() * i))}:1.0.0`);
    else from.push(baseRef(pickBase()));
    if (rand() < 0.3) from.push(baseRef(pickBase()));
    froms.push(from);
    const ownWorkflow = rand() < own;
    lines.push(
      `- name: ${name}`,
      `  repository: acme/${name}`,
      `  source:`,
      `    repo: ${repoOf(i, size)}`,
      `    dockerfile: ${name}/Dockerfile`,
      ...(ownWorkflow ? [`    workflow: ${name}.yml`, `    workflowInputs: [version_bump, triggered_by, base_image, base_digest]`] : []),
      `  rebuildDelay: ${1 + (i % 7)}d`,
      ...(i % 3 === 0 ? ["  platforms: [linux/amd64, linux/arm64]"] : []),
      ...(i % 4 === 0 ? ["  buildArgs:", `    VARIANT: "v${i % 5}"`] : []),
      ...(i % 50 === 0 ? ["  autoRebuild: false"] : []),
      ...(i % 10 === 0 ? ["  updates:", `    - repo: acme/deploy-${i % 5}`, `      path: apps/${name}`, "      type: kustomize-set-image"] : []),
    );
  }
  const images = `${lines.join("\n")}\n`;
  const parsed = parseImagesText(images, "images.yaml");
  const lock: Lock = { images: {}, bases: {} };
  parsed.images.forEach((spec, i) => {
    const refs = [...new Set(froms[i])].sort();
    lock.images[spec.name] = {
      inputs: lockInputsOf(spec),
      bases: refs.map((reference, j) => ({ reference, runtime: j === 0 || froms[i][0] === reference, line: j + 1 })),
      unresolved: [],
    };
  });
  return { images, lock: serializeLock(lock) };
}

/** Writes images.yaml and images.lock.yaml into `dir`. */
export function generateEstate(size: EstateSize, dir: string): { images: string; state: string } {
  const { images, lock } = generateEstateText(size);
  const file = path.join(dir, "images.yaml");
  fs.writeFileSync(file, images);
  fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), lock);
  return { images: file, state: dir };
}
