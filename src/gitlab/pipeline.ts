/**
 * The GitLab CI jobs the factory suggests for GitLab sources: one file per project and branch,
 * which the project includes from its .gitlab-ci.yml. No well-kept Pulumi GitLab provider can
 * be installed here, so nothing is committed to GitLab: `render` writes the file and the
 * program exports it (stack output gitlabPipelineFiles), as the GitHub side commits its
 * workflow.
 *
 * A rebuild creates a pipeline on the image's branch with the variables of the contract
 * (src/kargo/gitlab.ts GITLAB_VARIABLES); a job runs only when IMAGE_FACTORY_IMAGE names its
 * image. It builds with docker buildx on a Docker-in-Docker service, computes the next X.Y.Z
 * from the registry's tags like the generated GitHub workflow, and pushes unless
 * IMAGE_FACTORY_DRY_RUN is true. User values reach the job only as job variables with
 * `expand: false` (GitLab does not expand `$` in them) and are read quoted by the script.
 */
import type { ImageSpec } from "../config/schema";
import { sourceKey } from "../config/source";
import { GENERATED_HEADER, toYaml } from "../github/yaml";
import { GITLAB_VARIABLES } from "../kargo/gitlab";

/** Where the suggested file goes in the project, beside .gitlab-ci.yml. */
export const GITLAB_JOB_FILE = ".gitlab-ci.image-factory.yml";
/** Docker CLI and daemon images, one major version, as GitLab's Docker-in-Docker guide uses them. */
export const DOCKER_IMAGE = "docker:28";
export const DOCKER_DIND_SERVICE = "docker:28-dind";

/** One suggested file: a GitLab project and branch, and the images it builds. */
export interface GitlabPipelineFile {
  host: string;
  /** The project's full path. */
  project: string;
  branch: string;
  /** The file's path in the project. */
  path: string;
  /** Sorted. */
  images: string[];
  content: string;
}

const TEMPLATE = ".image-factory-build";

/** The build, in POSIX sh (the docker image is Alpine's busybox). */
const SCRIPT = `set -eu
apk add --no-cache jq skopeo >/dev/null
ref="$IMAGE_FACTORY_JOB_REF"
bump="\${${GITLAB_VARIABLES.version_bump}:-$IMAGE_FACTORY_JOB_VERSION_BUMP}"
case "$bump" in
  patch|minor|major) ;;
  *) echo "${GITLAB_VARIABLES.version_bump} must be patch, minor or major" >&2; exit 1 ;;
esac
case "\${${GITLAB_VARIABLES.dry_run}:-false}" in
  false) push=true ;;
  true) push=false ;;
  *) echo "${GITLAB_VARIABLES.dry_run} must be true or false" >&2; exit 1 ;;
esac
base_image="\${${GITLAB_VARIABLES.base_image}:-}"
base_digest="\${${GITLAB_VARIABLES.base_digest}:-}"
# These values become labels: accept only what a reference and a digest can hold.
if [ -n "$base_image" ] && ! printf '%s' "$base_image" | grep -Eq '^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}$'; then
  echo "${GITLAB_VARIABLES.base_image} is not an image reference" >&2; exit 1
fi
if [ -n "$base_digest" ] && ! printf '%s' "$base_digest" | grep -Eq '^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$'; then
  echo "${GITLAB_VARIABLES.base_digest} is not a sha256 or sha512 digest" >&2; exit 1
fi
# The project's own registry with the job's credentials; any other with masked CI/CD variables.
registry="\${ref%%/*}"
if [ "$registry" = "\${CI_REGISTRY:-}" ]; then
  printf '%s' "$CI_REGISTRY_PASSWORD" | docker login --username "$CI_REGISTRY_USER" --password-stdin "$registry"
else
  printf '%s' "\${IMAGE_FACTORY_REGISTRY_PASSWORD:?set the masked CI/CD variable IMAGE_FACTORY_REGISTRY_PASSWORD}" |
    docker login --username "\${IMAGE_FACTORY_REGISTRY_USER:?set the CI/CD variable IMAGE_FACTORY_REGISTRY_USER}" --password-stdin "$registry"
fi
# The next version: an image never pushed yet is "name unknown" to the registry; any other
# failure (e.g. no access) stops the build rather than restarting the versions at 0.1.0.
if ! listing="$(skopeo list-tags --authfile "$HOME/.docker/config.json" "docker://$ref" 2>list-tags.err)"; then
  if grep -qiE 'name unknown|not known to registry|repository not found' list-tags.err; then
    listing='{"Tags":[]}'
  else
    cat list-tags.err >&2; exit 1
  fi
fi
current="$(printf '%s' "$listing" | jq -r '.Tags[]' | grep -E '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1 || true)"
if [ -z "$current" ]; then
  next=0.1.0
else
  major="\${current%%.*}"; rest="\${current#*.}"; minor="\${rest%%.*}"; patch="\${rest#*.}"
  case "$bump" in
    major) next="$((major + 1)).0.0" ;;
    minor) next="$major.$((minor + 1)).0" ;;
    *) next="$major.$minor.$((patch + 1))" ;;
  esac
fi
oci=org.opencontainers.image
set -- --label "$oci.source=$CI_PROJECT_URL" --label "$oci.revision=$CI_COMMIT_SHA" --label "$oci.version=$next"
if [ -n "$base_image" ]; then set -- "$@" --label "$oci.base.name=$base_image"; fi
if [ -n "$base_digest" ]; then set -- "$@" --label "$oci.base.digest=$base_digest"; fi
while IFS= read -r arg; do
  if [ -n "$arg" ]; then set -- "$@" --build-arg "$arg"; fi
done <<EOF
\${IMAGE_FACTORY_JOB_BUILD_ARGS:-}
EOF
if [ "$IMAGE_FACTORY_JOB_PLATFORMS" != linux/amd64 ]; then
  docker run --privileged --rm tonistiigi/binfmt --install all >/dev/null
fi
docker buildx create --use --driver docker-container >/dev/null
docker buildx build --pull --platform "$IMAGE_FACTORY_JOB_PLATFORMS" --file "$IMAGE_FACTORY_JOB_DOCKERFILE" "$@" \\
  --tag "$ref:$next" --tag "$ref:latest" --output "type=image,push=$push" --metadata-file build-metadata.json \\
  "$IMAGE_FACTORY_JOB_CONTEXT"
digest="$(jq -r '."containerimage.digest" // ""' build-metadata.json)"
if [ "$push" = true ]; then echo "built and pushed $ref:$next $digest"; else echo "dry run: built $ref:$next $digest, pushed nothing"; fi
echo "triggered by: $(printf '%s' "\${${GITLAB_VARIABLES.triggered_by}:-$CI_PIPELINE_SOURCE}" | tr -cd 'A-Za-z0-9._:/@+ -' | cut -c 1-200)"
if [ -n "$base_image" ]; then echo "base: $base_image $base_digest"; fi
`;

/** A job variable GitLab passes as written (no `$` expansion). */
function literal(value: string) {
  return { value, expand: false };
}

function jobOf(image: ImageSpec) {
  const buildArgs = Object.keys(image.buildArgs)
    .sort()
    .map((k) => `${k}=${image.buildArgs[k]}\n`)
    .join("");
  return {
    extends: TEMPLATE,
    // Only in a pipeline created for this image (image names are DNS labels: safe in the rule).
    rules: [{ if: `$${GITLAB_VARIABLES.image} == "${image.name}"` }],
    resource_group: `image-factory-${image.name}`,
    variables: {
      IMAGE_FACTORY_JOB_REF: literal(`${image.registry}/${image.repository}`),
      IMAGE_FACTORY_JOB_CONTEXT: literal(image.source.context),
      IMAGE_FACTORY_JOB_DOCKERFILE: literal(image.source.dockerfile),
      IMAGE_FACTORY_JOB_PLATFORMS: literal(image.platforms.join(",")),
      IMAGE_FACTORY_JOB_BUILD_ARGS: literal(buildArgs),
      IMAGE_FACTORY_JOB_VERSION_BUMP: literal(image.versionBump),
    },
  };
}

/** The file for one project and branch. */
export function renderGitlabJobs(images: readonly ImageSpec[]): string {
  const sorted = [...images].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const doc: Record<string, unknown> = {
    [TEMPLATE]: {
      image: DOCKER_IMAGE,
      services: [DOCKER_DIND_SERVICE],
      variables: { DOCKER_TLS_CERTDIR: "/certs" },
      timeout: "2h",
      script: [SCRIPT],
    },
  };
  for (const image of sorted) doc[`image-factory:${image.name}`] = jobOf(image);
  return toYaml(doc, {
    header: [
      GENERATED_HEADER,
      "Builds the images of this project and branch when image-factory creates a pipeline for one of them",
      `(pipeline variable ${GITLAB_VARIABLES.image}). Include it from .gitlab-ci.yml:`,
      "  include:",
      `    - local: ${GITLAB_JOB_FILE}`,
      "The jobs run in the default stage (test); set `stage:` in .image-factory-build to change it.",
    ],
  });
}

/** The suggested files of every GitLab image, one per project (case-insensitive) and branch, sorted. */
export function planGitlabPipelines(images: readonly ImageSpec[]): GitlabPipelineFile[] {
  const groups = new Map<string, ImageSpec[]>();
  for (const image of images.filter((i) => i.source.provider === "gitlab")) {
    const key = `${sourceKey(image.source)}\0${image.source.branch}`;
    groups.set(key, [...(groups.get(key) ?? []), image]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => {
      const first = [...group].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
      return {
        host: first.source.host!,
        project: first.source.repo,
        branch: first.source.branch,
        path: GITLAB_JOB_FILE,
        images: group.map((i) => i.name).sort(),
        content: renderGitlabJobs(group),
      };
    });
}
