/**
 * Everything a stack is checked for before the program declares anything: stack settings,
 * images.yaml, the overlay, the lock, and the plans of every component. The program runs it
 * first; `image-factory validate --stack` runs it without the Pulumi runtime.
 */
import { stackNotifications, WEBHOOK_KEY } from "./config/notifications";
import { UserError } from "./config/errors";
import { gitlabHostProblems } from "./config/gitlab-hosts";
import { CONFIG_NAMESPACE, requireCluster, type StackSettings } from "./config/stack";
import { githubOwners, githubRepos, planGithubEstate } from "./github";
import { estatePlacement, renderManifestFiles } from "./gitops";
import { type KargoOptions, type KargoPlan, planKargo } from "./kargo";
import { type RegistryCredential, registryCredentials } from "./kargo/secrets";
import { loadStackEstate, type StackEstate } from "./model/stack-estate";

export interface PreparedStack extends StackEstate {
  settings: StackSettings;
  /** The stack file, as named in errors. */
  configFile: string;
  /** The GitHub accounts the stack needs a provider for. */
  owners: string[];
  kargoOptions: KargoOptions;
  kargoPlan: KargoPlan;
  /** Whether Argo CD applies the Kargo objects from git. */
  gitops: boolean;
  /** The registries the stack logs Kargo in to. */
  registryCredentials: RegistryCredential[];
}

export interface PrepareOptions {
  projectDir: string;
  stack: string;
  /** The hosts the secret `registryTokens` has a token for (its keys). */
  registryTokenHosts?: readonly string[];
  /** Whether the stack sets the secret `kubeconfig` (its value is never needed here). */
  hasKubeconfig?: boolean;
  /** Whether the stack sets the secret `gitlabToken` (required when the estate has GitLab sources). */
  hasGitlabToken?: boolean;
  /** The stack's whole config, namespaced: named in errors about keys of other namespaces. */
  config?: Readonly<Record<string, string>>;
}

/** Validates a stack; throws a UserError listing every problem. Pure apart from reading files. */
export function prepareStack(settings: StackSettings, opts: PrepareOptions): PreparedStack {
  const configFile = `Pulumi.${opts.stack}.yaml`;
  requireCluster(settings, { hasKubeconfig: opts.hasKubeconfig ?? false, source: configFile, config: opts.config });
  const loaded = loadStackEstate(settings, opts);
  const credentials = registryCredentials(loaded.registries, opts.registryTokenHosts ?? [], configFile);
  const specs = loaded.estate.images.map((i) => i.spec);
  // Before any plan: nothing may carry the GitLab token to a host the stack does not list.
  const hostProblems = gitlabHostProblems(specs, settings.gitlab.hosts, { imagesFile: loaded.enrolled.file, configFile });
  if (hostProblems.length > 0) throw new UserError(hostProblems);
  // The webhook's value is never needed here, only whether the stack sets it.
  const notifications = stackNotifications(settings, { hasWebhook: opts.config?.[`${CONFIG_NAMESPACE}:${WEBHOOK_KEY}`] !== undefined, configFile });
  // The webhook is written to the factory repository (src/github/notifications.ts).
  const owners = githubOwners(settings.github.owner, githubRepos(settings, specs, notifications ? [notifications.factoryRepo] : []), configFile);
  const kargoOptions: KargoOptions = {
    project: settings.kargoProject,
    registries: loaded.registries,
    factoryRepo: settings.github.factoryRepo,
    factoryBranch: settings.github.factoryBranch,
    analyzeWorkflow: settings.github.analyzeWorkflow,
    buildRole: settings.builds,
    followRuns: settings.github.followRuns ?? true,
    ...(settings.github.apiUrl ? { githubApiUrl: settings.github.apiUrl } : {}),
    ...(notifications ? { notifications: { stack: opts.stack, ...notifications } } : {}),
  };
  // The components re-derive the same plain data; planning here makes their errors come first.
  const kargoPlan = planKargo(loaded.estate, kargoOptions);
  if ((kargoPlan.gitlabPipelines || Object.keys(kargoPlan.gitlabRepos).length > 0) && !opts.hasGitlabToken) {
    const first = loaded.estate.images.find((i) => i.spec.source.provider === "gitlab")!;
    throw new UserError([
      {
        file: configFile,
        field: `${CONFIG_NAMESPACE}:gitlabToken`,
        message: `is required: image "${first.spec.name}" builds from GitLab (${first.spec.source.host}/${first.spec.source.repo}); set a GitLab access token with the api scope: pulumi config set --secret ${CONFIG_NAMESPACE}:gitlabToken <token>`,
      },
    ]);
  }
  planGithubEstate(specs, settings.github, { environment: opts.stack, imagesFile: loaded.enrolled.file, configFile, buildRole: settings.builds });
  const gitops = settings.delivery.mode === "gitops";
  if (gitops) renderManifestFiles(kargoPlan.objects, settings.delivery.path, { placement: estatePlacement(loaded.estate) });
  return { ...loaded, settings, configFile, owners, kargoOptions, kargoPlan, gitops, registryCredentials: credentials };
}
