/**
 * Delivery of the Kargo objects, chosen per stack by `delivery.mode`:
 *  - direct (default): Pulumi applies them itself; nothing is declared here;
 *  - gitops: Pulumi commits them to the state repository and declares the Argo CD
 *    Application that syncs them (GitopsDelivery). Secrets never go to git: Pulumi keeps
 *    applying those directly in both modes.
 */
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type KubernetesObject, renderManifestFile } from "../gitops/manifests";
import { type GithubProviders, providerFor } from "../github/provider";
import { parseRepo } from "../github/repos";
import { buildApplication, type DeliverySettings } from "./application";

export interface GitopsDeliveryArgs {
  /** The rendered Kargo objects to commit; a Secret among them is an error. */
  manifests: readonly KubernetesObject[];
  /** The stack's `delivery` settings; mode must be gitops. */
  delivery: DeliverySettings;
  /** The Kargo Project (its namespace is the Application's destination). */
  kargoProject: string;
  /** GitHub providers by lowercase owner; the state repo's owner must be among them. */
  githubProviders: GithubProviders;
  /** The cluster Argo CD runs in. */
  k8sProvider: k8s.Provider;
  /** Named in the commit message; the stack name by default. */
  stack?: string;
  /** What the committed objects need to exist before Argo CD applies them (Secrets, workflow files). */
  manifestDependsOn?: Array<pulumi.Input<pulumi.Resource>>;
  /**
   * The Project's namespace, when this stack creates it: the Application's destination must
   * exist before its first sync, or the sync of every namespaced object fails.
   */
  namespace?: pulumi.Resource;
}

export class GitopsDelivery extends pulumi.ComponentResource {
  /** `owner/repo:branch:path` of the committed manifest file. */
  readonly manifestFile: string;

  constructor(name: string, args: GitopsDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and render everything first: a rejected manifest leaves nothing registered.
    const application = buildApplication({ delivery: args.delivery, kargoProject: args.kargoProject });
    const repo = args.delivery.repo!;
    const file = renderManifestFile(args.manifests, args.delivery.path);
    const githubProvider = providerFor(args.githubProviders, repo);
    const stack = args.stack ?? pulumi.getStack();

    super("image-factory:argocd:GitopsDelivery", name, {}, opts);

    const committed = new github.RepositoryFile(
      `${name}-manifests`,
      {
        repository: parseRepo(repo).name,
        branch: args.delivery.branch,
        file: file.path,
        content: file.content,
        commitMessage: `image-factory: update the Kargo manifests (stack ${stack})`,
        overwriteOnCreate: true,
      },
      { parent: this, provider: githubProvider, dependsOn: args.manifestDependsOn ?? [] },
    );

    // After the file: the first sync then finds the path instead of failing on it.
    new k8s.apiextensions.CustomResource(`${name}-application`, application, {
      parent: this,
      provider: args.k8sProvider,
      dependsOn: [committed, ...(args.namespace ? [args.namespace] : [])],
    });

    this.manifestFile = `${repo}:${args.delivery.branch}:${file.path}`;
    this.registerOutputs({ manifestFile: this.manifestFile });
  }
}

/** GitopsDelivery in gitops mode; nothing (undefined) in direct mode, where Pulumi applies the objects. */
export function declareDelivery(name: string, args: GitopsDeliveryArgs, opts?: pulumi.ComponentResourceOptions): GitopsDelivery | undefined {
  if (args.delivery.mode !== "gitops") return undefined;
  return new GitopsDelivery(name, args, opts);
}
