/**
 * The explicit GitHub providers: one per repository owner, never the ambient default.
 *
 * RepositoryFile & co. take the repository NAME and act on the provider's owner, so a repo
 * of another owner needs another provider. With `github.owner` set, every repo must belong
 * to it (a typo in images.yaml would otherwise write to an unexpected account); without
 * it, one provider is made per distinct owner. All of them use the same token, which must
 * then reach every owner (a fine-grained token only reaches one: use one stack per owner).
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../config/errors";
import type { StackSettings } from "../config/stack";
import type { ImageSpec } from "../config/schema";
import { parseRepo } from "./repos";

/** Providers by lowercase owner. */
export type GithubProviders = Readonly<Record<string, github.Provider>>;

export interface GithubProviderArgs {
  /** The user or organization the provider acts on. */
  owner: string;
  /** The token, as a Pulumi secret. */
  token: pulumi.Input<string>;
}

/** A GitHub provider for one owner; the token is kept secret whatever it was passed as. */
export function createGithubProvider(name: string, args: GithubProviderArgs, opts?: pulumi.CustomResourceOptions): github.Provider {
  return new github.Provider(name, { owner: args.owner, token: pulumi.secret(args.token) }, opts);
}

/** One provider per owner, named `<prefix>-<owner>` so adding an owner renames nothing. */
export function createGithubProviders(
  prefix: string,
  args: { owners: readonly string[]; token: pulumi.Input<string> },
  opts?: pulumi.CustomResourceOptions,
): GithubProviders {
  const providers: Record<string, github.Provider> = {};
  for (const owner of [...new Set(args.owners.map((o) => o.toLowerCase()))].sort()) {
    providers[owner] = createGithubProvider(`${prefix}-${owner}`, { owner, token: args.token }, opts);
  }
  return providers;
}

/** The provider for a repo's owner; a missing one is a wiring bug, not a user mistake. */
export function providerFor(providers: GithubProviders, repo: string): github.Provider {
  const { ownerKey } = parseRepo(repo);
  const provider = providers[ownerKey];
  if (!provider) throw new Error(`no GitHub provider for owner ${ownerKey} (repo ${repo}); pass one per owner from githubOwners()`);
  return provider;
}

/**
 * Every repository the stack writes to through the GitHub provider: source repos of
 * generated workflows, all source repos when repo settings are managed, the factory repo
 * when its environment is managed, and the state repo in gitops mode; and `extra` (the factory
 * repo when the stack writes its notification webhook there).
 */
export function githubRepos(settings: Pick<StackSettings, "github" | "delivery">, images: readonly ImageSpec[], extra: readonly string[] = []): string[] {
  const repos = new Set<string>(extra);
  for (const image of images) {
    if (image.source.provider !== "github") continue;
    if (image.source.generatedWorkflow || settings.github.manageRepoSettings) repos.add(image.source.repo);
  }
  if (settings.github.manageEnvironment && settings.github.factoryRepo) repos.add(settings.github.factoryRepo);
  if (settings.delivery.mode === "gitops" && settings.delivery.repo) repos.add(settings.delivery.repo);
  return [...repos].sort();
}

/**
 * The owners to make providers for (lowercase, sorted). `configured` is
 * `settings.github.owner`; `file` names the stack file in errors.
 */
export function githubOwners(configured: string | undefined, repos: readonly string[], file = "Pulumi stack config"): string[] {
  const owners = [...new Set(repos.map((r) => parseRepo(r).ownerKey))].sort();
  if (configured === undefined) return owners;
  const want = configured.toLowerCase();
  const foreign = repos.filter((r) => parseRepo(r).ownerKey !== want).sort();
  if (foreign.length > 0) {
    throw new UserError([
      {
        file,
        field: "image-factory:github.owner",
        message:
          `is ${configured}, but ${foreign.join(", ")} belong${foreign.length === 1 ? "s" : ""} to another owner; ` +
          "unset github.owner to get one GitHub provider per owner, or move the repositories",
      },
    ]);
  }
  return [want];
}
