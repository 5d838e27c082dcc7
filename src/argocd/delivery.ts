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
import { type KubernetesObject, renderManifestFiles } from "../gitops/manifests";
import { estatePlacement } from "../gitops/placement";
import type { Estate } from "../model/types";
import { type GithubProviders, providerFor } from "../github/provider";
import { parseRepo } from "../github/repos";
import { buildApplication, type DeliverySettings } from "./application";

export interface GitopsDeliveryArgs {
  /** The rendered Kargo objects to commit; a Secret among them is an error. */
  manifests: readonly KubernetesObject[];
  /** The estate the objects were built from: which image, and so which repository's file, each belongs to. */
  estate: Pick<Estate, "images" | "bases">;
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
  /** `owner/repo:branch:path` of every committed manifest file, sorted. */
  readonly manifestFiles: string[];

  constructor(name: string, args: GitopsDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and render everything first: a rejected manifest leaves nothing registered.
    const application = buildApplication({ delivery: args.delivery, kargoProject: args.kargoProject });
    const repo = args.delivery.repo!;
    const files = renderManifestFiles(args.manifests, args.delivery.path, { placement: estatePlacement(args.estate) });
    const githubProvider = providerFor(args.githubProviders, repo);
    const stack = args.stack ?? pulumi.getStack();

    super("image-factory:argocd:GitopsDelivery", name, {}, opts);

    // One resource per file, named by its path: a file the stack no longer renders (an
    // emptied repository, a group split into shards, the single file of earlier versions)
    // is a resource Pulumi deletes after creating and updating the others.
    const committed = files.map(
      (file) =>
        new github.RepositoryFile(
          `${name}-manifests-${file.path}`,
          {
            repository: parseRepo(repo).name,
            branch: args.delivery.branch,
            file: file.path,
            content: file.content,
            commitMessage: `image-factory: update the Kargo manifests (stack ${stack})`,
            overwriteOnCreate: true,
          },
          // Each file waits for everything its objects use, like the whole set did.
          { parent: this, provider: githubProvider, dependsOn: args.manifestDependsOn ?? [] },
        ),
    );

    // After the files: the first sync then finds them instead of failing on the path, and a
    // changed include pattern is applied only once the files it names exist.
    new k8s.apiextensions.CustomResource(`${name}-application`, application, {
      parent: this,
      provider: args.k8sProvider,
      dependsOn: [...committed, ...(args.namespace ? [args.namespace] : [])],
    });

    this.manifestFiles = files.map((f) => `${repo}:${args.delivery.branch}:${f.path}`);
    this.registerOutputs({ manifestFiles: this.manifestFiles });
  }
}

/** GitopsDelivery in gitops mode; nothing (undefined) in direct mode, where Pulumi applies the objects. */
export function declareDelivery(name: string, args: GitopsDeliveryArgs, opts?: pulumi.ComponentResourceOptions): GitopsDelivery | undefined {
  if (args.delivery.mode !== "gitops") return undefined;
  return new GitopsDelivery(name, args, opts);
}
