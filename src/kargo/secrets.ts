/**
 * The Secrets Kargo reads, as plain metadata plus the keys their (secret) values go under.
 * Values are only ever attached as Pulumi secret Outputs by the component.
 */
import { type Problem, UserError } from "../config/errors";
import { CONFIG_NAMESPACE } from "../config/stack";
import { GITLAB_CREDENTIALS_SECRET } from "./gitlab";
import { kubeName, uniqueNames } from "./names";
import { GIT_CREDENTIALS_SECRET, GITHUB_CREDENTIALS_SECRET } from "./objects";
import type { RegistrySettings } from "./polling";

export interface SecretShape {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Non-secret keys (e.g. the repoURL a git credential applies to). */
  plain: Record<string, string>;
  /** The key the token goes under. */
  tokenKey: string;
  /** The registry whose token it holds (image credentials); the GitHub token otherwise. */
  registry?: string;
}

/** A generic Secret holding one token, which http steps read with `secret(name).password`. */
function genericTokenSecret(name: string, project: string): SecretShape {
  return { name, namespace: project, labels: { "kargo.akuity.io/cred-type": "generic" }, plain: {}, tokenKey: "password" };
}

/** `github-credentials`: the token the http dispatch step reads as `.password`. */
export function githubCredentialsSecret(project: string): SecretShape {
  return genericTokenSecret(GITHUB_CREDENTIALS_SECRET, project);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Repository credentials for the source Warehouses and the update Stages' git steps (clone,
 * push, open PR). Kargo finds them by repoURL, so one Secret matches exactly the repositories
 * those use: `https://github.com/<owner>/<name>` with or without `.git`, as written or in
 * lowercase (Kargo lowercases git URLs when it normalizes them).
 */
export function gitCredentialsSecret(project: string, repos: readonly string[]): SecretShape | undefined {
  if (repos.length === 0) return undefined;
  const forms = [...new Set(repos.flatMap((r) => [r, r.toLowerCase()]))].sort();
  const alternatives = forms.map((r) => escapeRegex(r)).join("|");
  return {
    name: GIT_CREDENTIALS_SECRET,
    namespace: project,
    labels: { "kargo.akuity.io/cred-type": "git" },
    plain: { repoURL: `^https://github\\.com/(${alternatives})(\\.git)?$`, repoURLIsRegex: "true", username: "x-access-token" },
    tokenKey: "password",
  };
}

/** `gitlab-credentials`: the GitLab token the pipeline steps read as `.password` (stack secret gitlabToken). */
export function gitlabCredentialsSecret(project: string): SecretShape {
  return genericTokenSecret(GITLAB_CREDENTIALS_SECRET, project);
}

/**
 * Git credentials for the GitLab projects the source Warehouses poll: one Secret per host,
 * matching exactly those projects (`https://<host>/<path>`, with or without `.git`, as written
 * or lowercase), with the GitLab token as the password. GitLab takes any username with an
 * access token over HTTPS; `oauth2` also serves OAuth tokens.
 */
export function gitlabGitCredentialsSecrets(project: string, reposByHost: Readonly<Record<string, readonly string[]>>): SecretShape[] {
  const hosts = Object.keys(reposByHost).filter((h) => reposByHost[h].length > 0).sort();
  const names = uniqueNames(hosts, (h) => kubeName("git-credentials-gitlab", h), "git-credentials-gitlab");
  return hosts.map((host) => {
    const forms = [...new Set(reposByHost[host].flatMap((r) => [r, r.toLowerCase()]))].sort();
    return {
      name: names.get(host)!,
      namespace: project,
      labels: { "kargo.akuity.io/cred-type": "git" },
      plain: { repoURL: `^https://${escapeRegex(host)}/(${forms.map(escapeRegex).join("|")})(\\.git)?$`, repoURLIsRegex: "true", username: "oauth2" },
      tokenKey: "password",
    };
  });
}

export interface RegistryCredential {
  host: string;
  username: string;
}

/**
 * The registries Kargo logs in to: those with a `username`. Each needs its token in the secret
 * `registryTokens` (only its keys are passed here), and each token its username.
 */
export function registryCredentials(registries: Record<string, RegistrySettings>, tokenHosts: readonly string[], configFile: string): RegistryCredential[] {
  const problems: Problem[] = [];
  const credentials: RegistryCredential[] = [];
  const tokens = new Set(tokenHosts);
  for (const host of Object.keys(registries).sort()) {
    const username = registries[host].username;
    if (username === undefined) continue;
    if (!tokens.has(host)) {
      problems.push({
        file: configFile,
        field: `${CONFIG_NAMESPACE}:registryTokens.${host}`,
        message: `is required because registries.${host}.username is set: pulumi config set --secret --path '${CONFIG_NAMESPACE}:registryTokens["${host}"]' <token>`,
      });
      continue;
    }
    credentials.push({ host, username });
  }
  for (const host of [...tokens].sort()) {
    if (registries[host]?.username === undefined) {
      problems.push({ file: configFile, field: `${CONFIG_NAMESPACE}:registryTokens.${host}`, message: `has no user: set ${CONFIG_NAMESPACE}:registries.${host}.username` });
    }
  }
  // Hosts that differ only in punctuation (registry.acme.com, registry-acme.com) would share one
  // Secret: the second registry would get the first one's token. Refused, naming both.
  const byName = new Map<string, string>();
  for (const c of credentials) {
    const name = imageCredentialSecretName(c.host);
    const other = byName.get(name);
    if (other !== undefined) {
      problems.push({
        file: configFile,
        field: `${CONFIG_NAMESPACE}:registries.${c.host}`,
        message: `and registries.${other} would share the credential Secret ${name}; Kargo would log in to one with the other's token. Keep credentials for one of them only`,
      });
    } else {
      byName.set(name, c.host);
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return credentials;
}

/** `registry-<host>`, the host's letters and digits joined by `-`. */
export function imageCredentialSecretName(host: string): string {
  return `registry-${host.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
}

/**
 * The image repositories a registry's credential applies to, as a regex. Kargo tries a regex
 * credential on a subscription's repoURL both as written and as normalized, so this matches
 * every spelling: Docker Hub repositories may come without a host (`node`, `library/node`),
 * and a first path part without a dot or colon is not a host.
 */
export function registryRepoPattern(host: string): string {
  if (host === "docker.io") return "^((docker\\.io|index\\.docker\\.io|registry-1\\.docker\\.io)/)?[a-z0-9_-]+(/[a-z0-9._-]+)*$";
  return `^${escapeRegex(host)}/`;
}

/** `registry-<host>`: the Project's image credential for one registry. */
export function imageCredentialSecret(project: string, credential: RegistryCredential): SecretShape {
  return {
    name: imageCredentialSecretName(credential.host),
    namespace: project,
    labels: { "kargo.akuity.io/cred-type": "image" },
    plain: { repoURL: registryRepoPattern(credential.host), repoURLIsRegex: "true", username: credential.username },
    tokenKey: "password",
    registry: credential.host,
  };
}
