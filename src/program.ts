/**
 * The image-factory Pulumi program. index.ts calls defineImageFactory(); tests and the
 * CLI's render run the same function under Pulumi's mock runtime.
 *
 * Everything that can fail on user input (stack config, images.yaml, the stack's overlay,
 * the lock, the plans of every component) is read and validated first: a mistake throws a
 * UserError before a single resource exists.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { declareDelivery } from "./argocd";
import { registered } from "./batches";
import { readStackConfig } from "./config/pulumi-config";
import type { StackSettings } from "./config/stack";
import { createGithubProviders, GithubEstate } from "./github";
import { declareNotificationChannel, planNotificationChannel } from "./github/notifications";
import { type GitlabPipelineFile, planGitlabPipelines } from "./gitlab/pipeline";
import { KargoEstate } from "./kargo";
import { guardPromotion } from "./promotion/guard";
import { prepareStack } from "./stack";

export interface ImageFactoryOutputs {
  /** The Kargo Project (and namespace) holding the estate. */
  kargoProject: string;
  /** Enrolled images, by name, parents before children. */
  images: string[];
  /** Watched base references, by Warehouse key. */
  bases: string[];
  /** The generated workflow files, by image: `owner/repo:branch:path`. */
  workflowFiles: Record<string, string>;
  /**
   * The suggested GitLab CI files of GitLab sources (owner stacks only; absent when there are
   * none), keyed `<host>/<project>:<branch>:<path>`: the project includes it from .gitlab-ci.yml.
   */
  gitlabPipelineFiles?: Record<string, GitlabPipelineFile>;
  /**
   * The estate revision this stack applied. It resolves only once every resource of the
   * update is registered, so a failed update never exports it (exportWhenApplied). A stack
   * that promotes from this one applies only a revision exported here.
   */
  estateRevision: pulumi.Output<string>;
}

/**
 * The one Kubernetes provider of the stack.
 *
 * - The cluster is always named (prepareStack's requireCluster): a kubeconfig held as the
 *   stack's secret, or a context of the kubeconfig the machine or CI job provides. Without
 *   `kubeconfig` the provider loads $KUBECONFIG / ~/.kube/config and selects `context`
 *   (pulumi-kubernetes provider/pkg/provider/provider.go, Configure).
 * - enableSecretMutable: without it a change to a Secret's data is a replacement
 *   (provider/pkg/provider/diff.go, forceNewProperties lists .type, .data and .stringData of
 *   every Secret unless the provider enables mutable Secrets), and the protected
 *   github-credentials Secret could never take a rotated token. With it only `.type` still
 *   replaces, and every Secret here is Opaque.
 * - upsertExistingObjects: passed as false unless the stack asks, so the ambient
 *   PULUMI_K8S_UPSERT_EXISTING_OBJECTS cannot turn it on (Configure reads the provider
 *   variable first). Turning either flag on or off is an update of the provider, not a
 *   replacement (DiffConfig replaces only on renderYamlToDirectory or a changed active cluster).
 */
export function kubernetesProviderArgs(
  cluster: StackSettings["kubernetes"],
  kubeconfig: pulumi.Input<string> | undefined,
): k8s.ProviderArgs {
  return {
    ...(cluster.context !== undefined ? { context: cluster.context } : {}),
    ...(kubeconfig !== undefined ? { kubeconfig: pulumi.secret(kubeconfig) } : {}),
    enableServerSideApply: true,
    enableSecretMutable: true,
    upsertExistingObjects: cluster.upsertExistingObjects,
  };
}

export interface DefineOptions {
  /** The folder relative paths in stack config are resolved against (the Pulumi project). */
  projectDir?: string;
}

export async function defineImageFactory(opts: DefineOptions = {}): Promise<ImageFactoryOutputs> {
  const projectDir = opts.projectDir ?? process.cwd();
  const stack = pulumi.getStack();
  const { settings, githubToken, githubProviderToken, gitlabToken, registryTokens, registryTokenHosts, kubeconfig, notificationWebhook } = readStackConfig(projectDir);
  const prepared = prepareStack(settings, {
    projectDir,
    stack,
    registryTokenHosts,
    hasKubeconfig: kubeconfig !== undefined,
    hasGitlabToken: gitlabToken !== undefined,
    config: pulumi.runtime.allConfig(),
  });
  const { estate, enrolled, revision, configFile, owners, kargoOptions, kargoPlan, gitops } = prepared;

  // ---- Nothing above this line registers a resource. ----

  // A later environment applies only what its upstream has applied. The guard reads the
  // upstream's outputs through an engine function, not a resource; on `up` a mismatch or an
  // unreadable upstream throws before anything is declared.
  if (settings.promotion) await guardPromotion({ from: settings.promotion.from, revision, configFile });

  // Every resource the program declares from here on, as the SDK constructs it. Only the
  // legacy stack transformation is handed the resource object (a transform gets its
  // arguments); it returns undefined, so it changes nothing.
  const declared: pulumi.Resource[] = [];
  pulumi.runtime.registerStackTransformation(({ resource }) => {
    declared.push(resource);
    return undefined;
  });

  const k8sProvider = new k8s.Provider("kubernetes", kubernetesProviderArgs(settings.kubernetes, kubeconfig));
  const githubProviders = createGithubProviders("github", { owners, token: githubProviderToken });

  // The workflow files first: every rebuild Stage that dispatches one of them depends on it.
  const githubEstate = new GithubEstate("github", {
    estate,
    github: settings.github,
    providers: githubProviders,
    environment: stack,
    files: { images: enrolled.file, config: configFile },
    buildRole: settings.builds,
  });

  // The webhook rebuild notifications go to, as a secret of the factory repository's notify job.
  const notify = kargoOptions.notifications;
  if (notify && notificationWebhook) {
    declareNotificationChannel("notifications", {
      plan: planNotificationChannel({ factoryRepo: notify.factoryRepo, factoryBranch: notify.factoryBranch, stack }),
      providers: githubProviders,
      webhook: notificationWebhook,
    });
  }

  // In GitOps mode Argo CD applies the Kargo objects from git; the Secrets never go there.
  const kargo = new KargoEstate("kargo", {
      estate,
      options: kargoOptions,
      githubToken,
      gitlabToken,
      registryCredentials: prepared.registryCredentials,
      registryTokens,
      applyObjects: !gitops,
      protect: settings.protect,
      workflowFiles: githubEstate.workflowFileResources,
    }, { providers: [k8sProvider] });
  // Argo CD applies what is committed: each manifest commit waits for everything the objects
  // use, the credential Secrets (and their namespace) and the workflow files they dispatch.
  declareDelivery("delivery", {
    manifests: kargoPlan.objects,
    estate,
    delivery: settings.delivery,
    kargoProject: settings.kargoProject,
    githubProviders,
    k8sProvider,
    stack,
    manifestDependsOn: [...kargo.credentials, ...kargo.dispatchedFiles.map((key) => githubEstate.workflowFileResources.get(key)!)],
    namespace: kargo.namespace,
  });

  await Promise.all([kargo.ready, githubEstate.ready]);

  // Like the committed workflows, only the stack that owns the builds suggests the jobs.
  const gitlabFiles = settings.builds === "owner" ? planGitlabPipelines(estate.images.map((i) => i.spec)) : [];

  return {
    kargoProject: settings.kargoProject,
    images: estate.images.map((i) => i.spec.name),
    bases: estate.bases.map((b) => b.key),
    workflowFiles: githubEstate.workflowFiles,
    ...(gitlabFiles.length > 0 ? { gitlabPipelineFiles: Object.fromEntries(gitlabFiles.map((f) => [`${f.host}/${f.project}:${f.branch}:${f.path}`, f])) } : {}),
    estateRevision: exportWhenApplied(revision, declared),
  };
}

/**
 * `revision`, once every resource in `resources` is registered; a rejected Output when one
 * registration fails.
 *
 * The engine writes a failed update's stack outputs too: it keeps the old ones and
 * overwrites them with whatever the program registered (pulumi/pulumi
 * pkg/resource/deploy/step_executor.go, executeRegisterResourceOutputs with `errored`;
 * pulumi/pulumi#15754). A plain string would therefore be exported by an update that failed
 * half-way. A registration is answered only when its step is done, and a failed step fails it
 * (source_eval.go, resmon.RegisterResource), which rejects the resource's URN. The SDK's stack
 * then registers no outputs at all (sdk/nodejs/runtime/stack.ts, Stack.initialize: the
 * outputs are awaited first, registerOutputs(undefined) runs in `finally`), and the previous
 * revision, the last one applied in full, stays exported. A run the engine stops before the
 * program returns registers nothing either, and the stack's old outputs are kept as they are
 * (step.go, SameStep.Apply).
 *
 * Not covered: `pulumi up --continue-on-error` answers a failed step with a FAIL result
 * instead of an error (step_executor.go, cancelDueToError), so its URN resolves; and
 * `--target` applies part of the program. CI runs neither, and records a successful update
 * separately (README, "The project's CI").
 */
export function exportWhenApplied(revision: string, resources: readonly pulumi.Resource[]): pulumi.Output<string> {
  return pulumi.output(registered(resources).then(() => revision));
}
