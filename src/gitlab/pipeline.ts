/**
 * The GitLab CI jobs the factory suggests for GitLab sources: one file per project and branch,
 * which the project includes from its .gitlab-ci.yml. No well-kept Pulumi GitLab provider can
 * be installed here, so nothing is committed to GitLab: `render` writes the file and the
 * program exports it (stack output gitlabPipelineFiles), as the GitHub side commits its
 * workflow.
 *
 * A rebuild creates a pipeline on the image's branch with the variables of the contract
 * (src/kargo/gitlab.ts GITLAB_VARIABLES); a job runs only when IMAGE_FACTORY_IMAGE names its
 * image. It builds with docker buildx on a Docker-in-Docker service into an OCI layout,
 * computes the next X.Y.Z from the registry's tags like the generated GitHub workflow, scans
 * every platform of that layout with Trivy (the image's `scan` settings; dry runs scan too), and
 * pushes exactly the layout it scanned (skopeo, digests preserved) unless the scan failed or
 * IMAGE_FACTORY_DRY_RUN is true. Trivy reads an OCI layout directory as `--input` (see
 * src/github/scan.ts for the upstream facts); it comes from Alpine's package repository.
 *
 * Nothing that decides what is built, scanned or where credentials go is a CI/CD variable:
 * pipeline variables (API, trigger, manual, schedule) and project or group variables take
 * precedence over a job's YAML `variables:` (doc/ci/variables/_index.md, "CI/CD variable
 * precedence"), so whoever may create a pipeline with variables could override them. The
 * image's settings are written into each job's `before_script` as single-quoted shell
 * literals instead; GitLab runs before_script and script "together ... in a single shell"
 * (doc/ci/yaml/_index.md, `before_script`), so the shared script reads them as shell
 * variables, and assigning them overrides any environment variable of the same name. Only
 * the contract's variables come from the pipeline, each checked before use.
 */
import type { ImageSpec } from "../config/schema";
import { sourceKey } from "../config/source";
import { GENERATED_HEADER, toYaml } from "../github/yaml";
import { GITLAB_JOB_FILE_NAME, GITLAB_VARIABLES, gitlabJobName } from "../kargo/gitlab";

/** Where the suggested file goes in the project, beside .gitlab-ci.yml. */
export const GITLAB_JOB_FILE = GITLAB_JOB_FILE_NAME;
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
# The pipeline's variables of the contract, each checked before use.
if [ "\${${GITLAB_VARIABLES.image}:-}" != "$job_image" ]; then
  echo "${GITLAB_VARIABLES.image} must be $job_image in this job" >&2; exit 1
fi
bump="\${${GITLAB_VARIABLES.version_bump}:-$job_version_bump}"
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
apk add --no-cache jq skopeo >/dev/null
# The job's own Docker-in-Docker service, as the docker image's entrypoint points the CLI at it
# with TLS: never a daemon a variable names, since docker login hands the password to the daemon.
export DOCKER_HOST=tcp://docker:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/certs/client
ref="$job_ref"
# The image's registry as images.yaml names it; the project's own with the job's credentials,
# any other with masked CI/CD variables.
registry="$job_registry"
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
$job_build_args
EOF
if [ "$job_platforms" != linux/amd64 ]; then
  docker run --privileged --rm tonistiigi/binfmt --install all >/dev/null
fi
# Built once, every platform, into an OCI layout: what is scanned is what is pushed.
docker buildx create --use --driver docker-container >/dev/null
rm -rf image scan
docker buildx build --pull --platform "$job_platforms" --file "$job_dockerfile" "$@" \
  --output type=oci,dest=image,tar=false "$job_context"
if [ "$job_scan" = true ]; then
  apk add --no-cache trivy >/dev/null
  unfixed=""
  if [ "$job_scan_ignore_unfixed" = true ]; then unfixed=--ignore-unfixed; fi
  # Only this job's settings judge the scan: no trivy.yaml or .trivyignore from the repository
  # (trivy reads both from the working directory by default; a missing ignore file is no
  # ignores, pkg/result/ignore.go ParseIgnoreFile), and no TRIVY_* variable (trivy reads every
  # flag from one), which a pipeline variable could set.
  for v in $(env | sed -n 's/^\\(TRIVY_[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset "$v"; done
  trivy_dir="$(mktemp -d)"
  : > "$trivy_dir/trivy.yaml"
  # Every platform, copied out of the layout with its digests (a local layout this job just
  # built has no signatures to check: --insecure-policy), scanned into a report of its own.
  n=0
  reports=""
  for p in $(printf '%s' "$job_platforms" | tr , ' '); do
    n=$((n + 1))
    os="\${p%%/*}"; rest="\${p#*/}"; arch="\${rest%%/*}"
    set -- --override-os "$os" --override-arch "$arch"
    if [ "$rest" != "$arch" ]; then set -- "$@" --override-variant "\${rest#*/}"; fi
    rm -rf "scan-$n"
    skopeo --insecure-policy "$@" copy --preserve-digests oci:image "oci:scan-$n"
    trivy image --config "$trivy_dir/trivy.yaml" --ignorefile "$trivy_dir/none/.trivyignore" \\
      --input "scan-$n" --scanners vuln --severity UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL --format json --output "trivy-$n.json" --exit-code 0 --quiet $unfixed
    reports="$reports trivy-$n.json"
  done
  # A finding on several platforms counts once.
  findings="$(jq -sc '[.[] | .Results[]? | .Vulnerabilities[]? | {id: .VulnerabilityID, pkg: .PkgName,
    installed: (.InstalledVersion // ""), fixed: (.FixedVersion // ""), severity: (.Severity // "UNKNOWN")}
    | map_values(gsub("[^A-Za-z0-9._:+~/, -]"; ""))] | unique_by([.id, .pkg, .installed])
    | sort_by(.severity as $s | [(["CRITICAL","HIGH","MEDIUM","LOW","UNKNOWN"] | index($s)), .id, .pkg])' $reports)"
  failed="$(printf '%s' "$findings" | jq --arg failOn "$job_scan_fail_on" '($failOn | split(",") | map(select(length > 0))) as $f | map(select(.severity | IN($f[]))) | length')"
  echo "security scan of $ref ($job_platforms): $(printf '%s' "$findings" | jq -r 'group_by(.severity) | map("\\(.[0].severity): \\(length)") | join(", ") | if . == "" then "no findings" else . end')"
  printf '%s' "$findings" | jq -r '.[:100][] | "  \\(.severity) \\(.id) \\(.pkg) \\(.installed) -> \\(.fixed)"'
  if [ "$failed" -gt 0 ]; then
    echo "$failed finding(s) at $job_scan_fail_on in $ref: not pushed" >&2; exit 1
  fi
fi
digest=""
if [ "$push" = true ]; then
  skopeo --insecure-policy copy --authfile "$HOME/.docker/config.json" --retry-times 3 --all --preserve-digests --digestfile digest oci:image "docker://$ref:$next"
  skopeo --insecure-policy copy --authfile "$HOME/.docker/config.json" --retry-times 3 --all --preserve-digests oci:image "docker://$ref:latest"
  digest="$(cat digest)"
  echo "built and pushed $ref:$next $digest"
else
  echo "dry run: built (and scanned) $ref:$next, pushed nothing"
fi
echo "triggered by: $(printf '%s' "\${${GITLAB_VARIABLES.triggered_by}:-$CI_PIPELINE_SOURCE}" | tr -cd 'A-Za-z0-9._:/@+ -' | cut -c 1-200)"
if [ -n "$base_image" ]; then echo "base: $base_image $base_digest"; fi
`;

/** A POSIX sh single-quoted literal: nothing inside is expanded; a quote is closed, escaped and reopened. */
export function shellLiteral(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** The image's settings as shell assignments (run before the shared script, in its shell). */
function settingsOf(image: ImageSpec): string {
  const buildArgs = Object.keys(image.buildArgs)
    .sort()
    .map((k) => `${k}=${image.buildArgs[k]}\n`)
    .join("");
  const settings: Array<[string, string]> = [
    ["job_image", image.name],
    ["job_ref", `${image.registry}/${image.repository}`],
    ["job_registry", image.registry],
    ["job_context", image.source.context],
    ["job_dockerfile", image.source.dockerfile],
    ["job_platforms", image.platforms.join(",")],
    ["job_build_args", buildArgs],
    ["job_version_bump", image.versionBump],
    ...(image.scan === false
      ? ([["job_scan", "false"]] as Array<[string, string]>)
      : ([
          ["job_scan", "true"],
          ["job_scan_fail_on", image.scan.failOn.join(",")],
          ["job_scan_ignore_unfixed", String(image.scan.ignoreUnfixed)],
        ] as Array<[string, string]>)),
  ];
  return `${settings.map(([name, value]) => `${name}=${shellLiteral(value)}`).join("\n")}\n`;
}

function jobOf(image: ImageSpec) {
  return {
    extends: TEMPLATE,
    // Only in a pipeline created for this image (image names are DNS labels: safe in the rule).
    rules: [{ if: `$${GITLAB_VARIABLES.image} == "${image.name}"` }],
    resource_group: `image-factory-${image.name}`,
    before_script: [settingsOf(image)],
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
  for (const image of sorted) doc[gitlabJobName(image)] = jobOf(image);
  return toYaml(doc, {
    header: [
      GENERATED_HEADER,
      "Builds the images of this project and branch when image-factory creates a pipeline for one of them",
      `(pipeline variable ${GITLAB_VARIABLES.image}). Include it from .gitlab-ci.yml:`,
      "  include:",
      `    - local: ${GITLAB_JOB_FILE}`,
      "The jobs run in the default stage (test); set `stage:` in .image-factory-build to change it.",
      "Each job's before_script holds its image's settings: they are not CI/CD variables, so no pipeline can override them.",
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
