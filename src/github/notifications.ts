/**
 * Where rebuild notifications are posted from: the factory repository's notify workflow,
 * which Kargo dispatches (src/kargo/notifications.ts says why Kargo never calls the webhook
 * itself). Per stack, the program keeps one GitHub environment `<stack>-notify` on the factory
 * repository, open to the factory branch only and with no reviewers (a notification must not
 * wait for an approval), holding the webhook as the environment secret NOTIFICATION_WEBHOOK.
 *
 * The webhook is only ever a Pulumi secret: the SDK wraps ActionsEnvironmentSecret's `value` in
 * pulumi.secret() and lists it in additionalSecretOutputs (@pulumi/github
 * actionsEnvironmentSecret.js), so the state holds it encrypted, and it travels to GitHub
 * sealed with the environment's public key (terraform-provider-github
 * resource_github_actions_environment_secret.go `resourceGithubActionsEnvironmentSecretCreate`).
 * The environment is the stack's own, so stacks sharing the factory repository (dev and prod)
 * never overwrite each other's webhook.
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { notifyEnvironment, WEBHOOK_SECRET_NAME } from "../config/notifications";
import { type GithubProviders, providerFor } from "./provider";
import { parseRepo } from "./repos";

export interface NotificationChannelPlan {
  /** owner/name of the factory repository. */
  repo: string;
  /** Its name (what the provider's resources take). */
  repository: string;
  environment: string;
  /** The only branch whose runs may use the environment (and so read the webhook). */
  branch: string;
  secretName: string;
}

export function planNotificationChannel(opts: { factoryRepo: string; factoryBranch: string; stack: string }): NotificationChannelPlan {
  return {
    repo: opts.factoryRepo,
    repository: parseRepo(opts.factoryRepo).name,
    environment: notifyEnvironment(opts.stack),
    branch: opts.factoryBranch,
    secretName: WEBHOOK_SECRET_NAME,
  };
}

/** The environment, its branch policy and the webhook secret. */
export function declareNotificationChannel(
  name: string,
  args: { plan: NotificationChannelPlan; providers: GithubProviders; webhook: pulumi.Input<string> },
  opts?: pulumi.CustomResourceOptions,
): { environment: github.RepositoryEnvironment; branchPolicy: github.RepositoryEnvironmentDeploymentPolicy; secret: github.ActionsEnvironmentSecret } {
  const { plan } = args;
  const provider = providerFor(args.providers, plan.repo);
  const environment = new github.RepositoryEnvironment(
    `${name}-environment`,
    {
      repository: plan.repository,
      environment: plan.environment,
      // Only runs of the factory branch may read the webhook: a workflow changed on another
      // branch cannot use the environment.
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    },
    { ...opts, provider },
  );
  const branchPolicy = new github.RepositoryEnvironmentDeploymentPolicy(
    `${name}-branch`,
    { repository: plan.repository, environment: environment.environment, branchPattern: plan.branch },
    { ...opts, provider },
  );
  const secret = new github.ActionsEnvironmentSecret(
    `${name}-webhook`,
    { repository: plan.repository, environment: environment.environment, secretName: plan.secretName, value: pulumi.secret(args.webhook) },
    { ...opts, provider, additionalSecretOutputs: ["value"] },
  );
  return { environment, branchPolicy, secret };
}
