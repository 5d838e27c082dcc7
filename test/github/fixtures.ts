// Shared fixtures for the GitHub, Argo CD and gitops tests: the example estate loaded the
// way the program loads it, and a builder for one-off images through the real schema.
import * as path from "node:path";
import { parse } from "yaml";
import { loadImagesFile } from "../../src/config/images";
import { completeImage, type ImageInput, type ImageSpec, imageSchema } from "../../src/config/schema";
import type { Estate, ImageNode } from "../../src/model/types";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const EXAMPLE_IMAGES = "examples/estate/images.yaml";

export function exampleImages(): ImageSpec[] {
  return loadImagesFile(path.join(REPO_ROOT, EXAMPLE_IMAGES), EXAMPLE_IMAGES).images;
}

export function imageByName(name: string): ImageSpec {
  const image = exampleImages().find((i) => i.name === name);
  if (!image) throw new Error(`no image ${name} in the example estate`);
  return image;
}

/** Bases do not matter to the GitHub side: nodes carry none. */
export function estateOf(images: readonly ImageSpec[]): Pick<Estate, "images"> {
  return {
    images: images.map((spec): ImageNode => ({ spec, repoURL: `${spec.registry}/${spec.repository}`, bases: [], triggers: [] })),
  };
}

/** An image through the same validation and defaults images.yaml gets. */
export function makeImage(input: Partial<Omit<ImageInput, "source">> & { source?: Partial<ImageInput["source"]> } = {}): ImageSpec {
  const { source, ...rest } = input;
  return completeImage(
    imageSchema.parse({
      name: "app",
      repository: "acme/app",
      ...rest,
      source: { repo: "acme/app", dockerfile: "docker/Dockerfile", ...source },
    }),
  );
}

export interface ParsedStep {
  name: string;
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  run?: string;
}

/** Reads a workflow back the way GitHub would, from its text. */
export function parseWorkflowText(text: string): {
  name: string;
  on: { workflow_dispatch: { inputs: Record<string, Record<string, unknown>> }; push?: { branches: string[]; paths: string[] } };
  permissions: Record<string, string>;
  concurrency: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, { "runs-on": string; permissions: Record<string, string>; steps: ParsedStep[] }>;
} {
  return parse(text, { version: "1.2" });
}
