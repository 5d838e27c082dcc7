/** GitHub `owner/name` handling shared by the GitHub and delivery components. */

export interface RepoRef {
  /** The owner as written (GitHub treats it case-insensitively). */
  owner: string;
  /** The repository name, which is what RepositoryFile & co. take as `repository`. */
  name: string;
  /** The lowercase owner: the key providers are looked up by. */
  ownerKey: string;
}

export function parseRepo(repo: string): RepoRef {
  const slash = repo.indexOf("/");
  if (slash <= 0 || slash !== repo.lastIndexOf("/") || slash === repo.length - 1) {
    throw new Error(`not an owner/name repository: ${JSON.stringify(repo)}`);
  }
  const owner = repo.slice(0, slash);
  return { owner, name: repo.slice(slash + 1), ownerKey: owner.toLowerCase() };
}

/** A stable, lowercase key for a repository (GitHub names are case-insensitive). */
export function repoKey(repo: string): string {
  return repo.toLowerCase();
}
