/**
 * The Secrets Kargo reads, as plain metadata plus the keys their (secret) values go under.
 * Values are only ever attached as Pulumi secret Outputs by the component.
 */
import { GIT_CREDENTIALS_SECRET, GITHUB_CREDENTIALS_SECRET } from "./objects";

export interface SecretShape {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Non-secret keys (e.g. the repoURL a git credential applies to). */
  plain: Record<string, string>;
  /** The key the token goes under. */
  tokenKey: string;
}

/** `github-credentials`: the token the http dispatch step reads as `.password`. */
export function githubCredentialsSecret(project: string): SecretShape {
  return {
    name: GITHUB_CREDENTIALS_SECRET,
    namespace: project,
    labels: { "kargo.akuity.io/cred-type": "generic" },
    plain: {},
    tokenKey: "password",
  };
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
