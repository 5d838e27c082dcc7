/**
 * The GitLab hosts a stack's GitLab token may be sent to. The token reaches every GitLab
 * source's host (the pipeline steps, the git credential per host, analysis), so a merged
 * images.yaml line naming another host would hand the token to it: such an image is refused
 * before anything is declared, naming the stack key that lists the hosts.
 */
import { CONFIG_NAMESPACE } from "./stack";
import type { Problem } from "./errors";
import type { ImageSpec } from "./schema";

/** The stack key that lists the hosts, as errors name it. */
export const GITLAB_HOSTS_KEY = `${CONFIG_NAMESPACE}:gitlab.hosts`;

/** Whether `host` is one of `hosts` (both lowercase by their schemas; a port is part of the host). */
export function isTokenHost(host: string, hosts: readonly string[]): boolean {
  return hosts.includes(host);
}

/** One problem per GitLab image whose host the stack does not list. */
export function gitlabHostProblems(images: readonly ImageSpec[], hosts: readonly string[], opts: { imagesFile: string; configFile: string }): Problem[] {
  return images
    .filter((image) => image.source.provider === "gitlab" && !isTokenHost(image.source.host!, hosts))
    .map((image) => ({
      file: opts.imagesFile,
      subject: image.name,
      field: "source.host",
      message:
        `GitLab host "${image.source.host}" is not one the stack's GitLab token is for (${GITLAB_HOSTS_KEY} in ${opts.configFile}: ${hosts.join(", ")}): ` +
        `the token is never sent to another host. If the token belongs to it, add it (pulumi config set --path '${GITLAB_HOSTS_KEY}[${hosts.length}]' ${image.source.host}); otherwise fix source.host`,
    }));
}
