/**
 * Where an image's source lives, as the rest of the program names it: GitHub (`owner/name`) or
 * a GitLab project (`<host>/<full path>`, gitlab.com or self-managed).
 */
import type { ImageSpec } from "./schema";

type Source = Pick<ImageSpec["source"], "provider" | "repo" | "host">;

export function isGitlab(source: Source): boolean {
  return source.provider === "gitlab";
}

/** `owner/name` on GitHub; `<host>/<group>/…/<project>` on GitLab. */
export function sourceLabel(source: Source): string {
  return isGitlab(source) ? `${source.host}/${source.repo}` : source.repo;
}

/** The repository's HTTPS clone URL, as Kargo's git subscription takes it. */
export function sourceRepoURL(source: Source): string {
  return isGitlab(source) ? `https://${source.host}/${source.repo}.git` : `https://github.com/${source.repo}.git`;
}

/** A stable, case-insensitive key for the repository (both providers match paths case-insensitively). */
export function sourceKey(source: Source): string {
  return `${source.provider}:${sourceLabel(source).toLowerCase()}`;
}

/** GitLab's REST API root on a host. */
export function gitlabApiUrl(host: string): string {
  return `https://${host}/api/v4`;
}

/**
 * The `:id` of GitLab's project endpoints: the URL-encoded full path (GitLab REST API,
 * "Namespaced paths": `group/sub/project` becomes `group%2Fsub%2Fproject`).
 */
export function gitlabProjectId(path: string): string {
  return encodeURIComponent(path);
}

/**
 * Whether the factory defines the build, and so its scan: a generated GitHub workflow, or the
 * GitLab job render suggests (which reads the image's `scan` settings). An image with a GitHub
 * workflow of its own scans as that workflow does.
 */
export function factoryDefinedBuild(source: Pick<ImageSpec["source"], "provider" | "generatedWorkflow">): boolean {
  return source.provider === "gitlab" || source.generatedWorkflow;
}
