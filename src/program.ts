/**
 * The image-factory Pulumi program. index.ts calls defineImageFactory(); tests and the
 * CLI's render run the same function under Pulumi's mock runtime.
 *
 * Everything that can fail on user input (stack config, images.yaml, the lock, the plans
 * of every component) is read and validated first: a mistake throws a UserError before a
 * single resource exists.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readLock } from "./analysis/lock";
import { displayPath } from "./cli/command";
import { loadImagesFile } from "./config/images";
import { readStackConfig } from "./config/pulumi-config";
import { createGithubProviders, GithubEstate, githubOwners, githubRepos, planGithubEstate } from "./github";
import { buildEstate } from "./model/estate";

export interface ImageFactoryOutputs {
  /** The Kargo Project (and namespace) holding the estate. */
  kargoProject: string;
  /** Enrolled images, by name, parents before children. */
  images: string[];
  /** Watched base references, by Warehouse key. */
  bases: string[];
  /** The generated workflow files, by image: `owner/repo:branch:path`. */
  workflowFiles: Record<string, string>;
}

export interface DefineOptions {
  /** The folder relative paths in stack config are resolved against (the Pulumi project). */
  projectDir?: string;
}

export function defineImageFactory(opts: DefineOptions = {}): ImageFactoryOutputs {
  const projectDir = opts.projectDir ?? process.cwd();
  const stack = pulumi.getStack();
  const configFile = `Pulumi.${stack}.yaml`;
  const { settings, githubProviderToken } = readStackConfig(projectDir);
  const imagesFile = loadImagesFile(settings.imagesPath, displayPath(settings.imagesPath, projectDir));
  const lock = readLock(settings.stateDir, { shownAs: displayPath(`${settings.stateDir}/images.lock.yaml`, projectDir) });
  const estate = buildEstate(imagesFile, lock);
  const specs = estate.images.map((i) => i.spec);
  const githubRepoList = githubRepos(settings, specs);
  const owners = githubOwners(settings.github.owner, githubRepoList, configFile);
  // Plans that can reject input run now; the components re-derive the same plain data.
  planGithubEstate(specs, settings.github, { environment: stack, imagesFile: imagesFile.file, configFile });

  // ---- Nothing above this line registers a resource. ----

  new k8s.Provider("kubernetes", {
    context: settings.kubernetes.context,
    enableServerSideApply: true,
  });
  const githubProviders = createGithubProviders("github", { owners, token: githubProviderToken });

  const githubEstate = new GithubEstate("github", {
    estate,
    github: settings.github,
    providers: githubProviders,
    environment: stack,
    files: { images: imagesFile.file, config: configFile },
  });

  return {
    kargoProject: settings.kargoProject,
    images: estate.images.map((i) => i.spec.name),
    bases: estate.bases.map((b) => b.key),
    workflowFiles: githubEstate.workflowFiles,
  };
}
