/**
 * The image-factory Pulumi program. index.ts calls defineImageFactory(); tests and the
 * CLI's render run the same function under Pulumi's mock runtime.
 *
 * Everything that can fail on user input (stack config, images.yaml, the lock) is read
 * and validated first: a mistake throws a UserError before a single resource exists.
 */
import * as k8s from "@pulumi/kubernetes";
import { loadImagesFile } from "./config/images";
import { readStackConfig } from "./config/pulumi-config";
import { displayPath } from "./cli/command";

export interface ImageFactoryOutputs {
  /** The Kargo Project (and namespace) holding the estate. */
  kargoProject: string;
  /** Enrolled images, by name. */
  images: string[];
}

export interface DefineOptions {
  /** The folder relative paths in stack config are resolved against (the Pulumi project). */
  projectDir?: string;
}

export function defineImageFactory(opts: DefineOptions = {}): ImageFactoryOutputs {
  const projectDir = opts.projectDir ?? process.cwd();
  const config = readStackConfig(projectDir);
  const { settings } = config;
  const imagesFile = loadImagesFile(settings.imagesPath, displayPath(settings.imagesPath, projectDir));

  // ---- Nothing above this line registers a resource. ----

  new k8s.Provider("kubernetes", {
    context: settings.kubernetes.context,
    enableServerSideApply: true,
  });

  return {
    kargoProject: settings.kargoProject,
    images: imagesFile.images.map((i) => i.name),
  };
}

