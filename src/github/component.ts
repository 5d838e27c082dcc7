/**
 * GithubEstate: the build workflows the factory owns and the repo settings they need,
 * declared from planGithubEstate's plain data. Every child uses an explicit provider.
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { declareInBatches } from "../batches";
import type { Estate } from "../model/types";
import { fileKey, type GithubSettings, planGithubEstate } from "./estate";
import { type GithubProviders, providerFor } from "./provider";

export interface GithubEstateArgs {
  /** The estate; each image's spec decides whether a workflow is generated. */
  estate: Pick<Estate, "images">;
  /** The stack's `github` settings (repo settings and environment are opt-in there). */
  github: GithubSettings;
  /** One provider per repository owner, keyed by lowercase owner (createGithubProviders). */
  providers: GithubProviders;
  /** The environment's name; the stack name by default. */
  environment?: string;
  /** How images.yaml and the stack file are named in errors. */
  files?: { images?: string; config?: string };
  /** The stack's build role: a canary commits no workflow file and manages no repo settings. */
  buildRole?: "owner" | "canary";
}

export class GithubEstate extends pulumi.ComponentResource {
  /** The workflow file each image is built by, by image name: `owner/repo:branch:path`. */
  readonly workflowFiles: Record<string, string>;
  /** Settles when every child is declared (large estates declare in batches; see batches.ts). */
  readonly ready: Promise<void>;
  /**
   * Each committed workflow file's resource, keyed `owner/repo:branch:path` like
   * workflowFiles' values; a promise because a large estate declares it in a later batch.
   * What dispatches a workflow depends on its file (a dispatch before the commit is a 404).
   */
  readonly workflowFileResources: ReadonlyMap<string, Promise<github.RepositoryFile>>;

  constructor(name: string, args: GithubEstateArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything that can fail on user input fails here, before any resource exists.
    const plan = planGithubEstate(
      args.estate.images.map((n) => n.spec),
      args.github,
      { environment: args.environment ?? pulumi.getStack(), imagesFile: args.files?.images, configFile: args.files?.config, buildRole: args.buildRole },
    );
    const repos = [
      ...plan.workflowFiles.map((f) => f.repo),
      ...plan.repoPermissions.map((p) => p.repo),
      ...(plan.environment ? [plan.environment.repo] : []),
    ];
    const providerOf = new Map(repos.map((r) => [r, providerFor(args.providers, r)]));

    super("image-factory:github:GithubEstate", name, {}, opts);

    this.workflowFiles = {};
    const fileResources = new Map<string, Promise<github.RepositoryFile>>();
    this.workflowFileResources = fileResources;
    const repoOf = new Map(args.estate.images.map((n) => [n.spec.name, n.spec.source.repo]));
    const declareFiles: Array<() => unknown> = [];
    for (const file of plan.workflowFiles) {
      const key = fileKey(file.repo, file.branch, file.path);
      let declared!: (r: github.RepositoryFile) => void;
      const resource = new Promise<github.RepositoryFile>((resolve) => (declared = resolve));
      // Under every spelling of the repository its images use: a dispatch target names the
      // image's own (GitHub names are case-insensitive, the file is one).
      for (const spelling of new Set([file.repo, ...file.images.map((i) => repoOf.get(i) ?? file.repo)])) {
        fileResources.set(fileKey(spelling, file.branch, file.path), resource);
      }
      // Named by repository (case-insensitive, as GitHub) and branch: one file per pair.
      declareFiles.push(() => {
        const committed = new github.RepositoryFile(
          `${name}-workflow-${file.repo.toLowerCase()}@${file.branch}`,
          {
            repository: file.repository,
            branch: file.branch,
            file: file.path,
            content: file.content,
            commitMessage: file.commitMessage,
            // Take over a hand-made file of the same name on the first `up`.
            overwriteOnCreate: true,
          },
          { parent: this, provider: providerOf.get(file.repo) },
        );
        declared(committed);
        return committed;
      });
      for (const image of file.images) this.workflowFiles[image] = key;
    }

    for (const perms of plan.repoPermissions) {
      new github.WorkflowRepositoryPermissions(
        `${name}-workflow-permissions-${perms.owner.toLowerCase()}-${perms.repository.toLowerCase()}`,
        {
          repository: perms.repository,
          defaultWorkflowPermissions: perms.defaultWorkflowPermissions,
          canApprovePullRequestReviews: perms.canApprovePullRequestReviews,
        },
        { parent: this, provider: providerOf.get(perms.repo) },
      );
    }

    if (plan.environment) {
      const env = plan.environment;
      new github.RepositoryEnvironment(
        `${name}-environment-${env.environment}`,
        {
          repository: env.repository,
          environment: env.environment,
          reviewers: [{ users: env.reviewers.users, teams: env.reviewers.teams }],
          deploymentBranchPolicy: env.deploymentBranchPolicy,
          // The approval gate holds for everyone: the provider's defaults let admins skip the
          // review and let whoever started the run approve it.
          canAdminsBypass: false,
          preventSelfReview: true,
        },
        { parent: this, provider: providerOf.get(env.repo) },
      );
    }

    this.ready = declareInBatches(declareFiles).then(() => this.registerOutputs({ workflowFiles: this.workflowFiles }));
  }
}
