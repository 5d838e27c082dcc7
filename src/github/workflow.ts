/**
 * The build workflow the factory generates for an image without one of its own
 * (`.github/workflows/build-<name>.yml` in the image's source repo), and the dispatch
 * contract every rebuild target has to honour.
 *
 * What a generated workflow does, in order:
 *  1. reads the trigger: on workflow_dispatch the four DISPATCH_INPUTS, on push the image's
 *     own versionBump; the inputs are checked before anything uses them;
 *  2. logs in to the image's registry and lists its tags (skopeo, preinstalled on the
 *     runner); the next version is the highest X.Y.Z tag bumped, or 0.1.0 for the first;
 *  3. builds with buildx for the image's platforms and pushes `<version>` and `latest`,
 *     with the base the rebuild was for recorded as OCI labels and annotations.
 *
 * Versions come from the registry, not from git tags: the registry is what Kargo's
 * Warehouse watches, a version exists exactly when an image was pushed, and the job needs
 * no `contents: write` (GITHUB_TOKEN with `packages: write` covers GHCR end to end).
 */
import * as path from "node:path";
import { DISPATCH_INPUTS, type DispatchInput, type ImageSpec } from "../config/schema";
import { type Problem, UserError } from "../config/errors";
import { ACTIONS, RUNNER } from "./actions";
import { parseRepo } from "./repos";
import { type Step, type Workflow, type WorkflowInput, workflowSchema } from "./workflow-schema";
import { GENERATED_HEADER, toYaml } from "./yaml";

export interface WorkflowOptions {
  /** How images.yaml is named in errors. */
  imagesFile?: string;
}

/** The registry GITHUB_TOKEN can push to; every other registry needs secrets. */
export const GITHUB_REGISTRY = "ghcr.io";

/** Where a workflow file lives in its repository. */
export function workflowPath(image: ImageSpec): string {
  return `.github/workflows/${image.source.workflow}`;
}

/**
 * The repository secrets a generated workflow logs in with for a registry other than
 * ghcr.io: `REGISTRY_<HOST>_USERNAME` and `REGISTRY_<HOST>_PASSWORD`, where HOST is the
 * registry host upper-cased with every other character turned into `_`
 * (docker.io → REGISTRY_DOCKER_IO_USERNAME). Undefined for ghcr.io (GITHUB_TOKEN is used).
 */
export function registrySecretNames(registry: string): { username: string; password: string } | undefined {
  if (registry === GITHUB_REGISTRY) return undefined;
  const host = registry.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return { username: `REGISTRY_${host}_USERNAME`, password: `REGISTRY_${host}_PASSWORD` };
}

const INPUT_DESCRIPTIONS: Record<DispatchInput, string> = {
  version_bump: "Which part of the semantic version to increase",
  triggered_by: "What requested the build (e.g. the Kargo promotion)",
  base_image: "The base image reference whose change triggered the build",
  base_digest: "The new digest of that base image (sha256:...)",
};

function dispatchInputs(image: ImageSpec): Record<DispatchInput, WorkflowInput> {
  const inputs = {} as Record<DispatchInput, WorkflowInput>;
  for (const name of DISPATCH_INPUTS) {
    inputs[name] =
      name === "version_bump"
        ? { description: INPUT_DESCRIPTIONS[name], required: false, type: "choice", options: ["patch", "minor", "major"], default: image.versionBump }
        : { description: INPUT_DESCRIPTIONS[name], required: false, type: "string" };
  }
  return inputs;
}

/** Escapes the characters GitHub's path and branch filters treat as patterns. */
function literalFilter(p: string): string {
  return p.replace(/[*?+[\]!]/g, (c) => `\\${c}`);
}

function normalizedContext(image: ImageSpec): string {
  const ctx = path.posix.normalize(image.source.context).replace(/\/+$/, "");
  return ctx === "" ? "." : ctx;
}

/** The push filter: anything in the build context, and the Dockerfile wherever it is. */
export function pushPaths(image: ImageSpec): string[] {
  const ctx = normalizedContext(image);
  return [ctx === "." ? "**" : `${literalFilter(ctx)}/**`, literalFilter(path.posix.normalize(image.source.dockerfile))];
}

/**
 * Values from images.yaml that end up verbatim in the workflow. The runner would evaluate
 * a `${{ }}` in them (images.yaml would then leak into expressions), and a newline would
 * split one build argument into two.
 */
function checkEmbeddedValues(image: ImageSpec, file: string): void {
  const problems: Problem[] = [];
  const subject = `image "${image.name}"`;
  const check = (field: string, value: string, multiline = false) => {
    if (value.includes("${{")) problems.push({ file, subject, field, message: "must not contain ${{ (it would be evaluated by GitHub Actions)" });
    if (!multiline && /[\r\n]/.test(value)) problems.push({ file, subject, field, message: "must not contain a line break" });
  };
  check("source.branch", image.source.branch);
  check("source.dockerfile", image.source.dockerfile);
  check("source.context", image.source.context);
  for (const [name, value] of Object.entries(image.buildArgs)) check(`buildArgs.${name}`, value);
  if (problems.length > 0) throw new UserError(problems);
}

function script(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

// The scripts are the same for every image: everything image-specific arrives in env.

const READ_TRIGGER = script(
  "set -euo pipefail",
  "# On push there are no inputs: the image's own bump applies.",
  'bump="${VERSION_BUMP:-$DEFAULT_BUMP}"',
  'case "$bump" in',
  "  patch|minor|major) ;;",
  '  *) echo "::error::version_bump must be patch, minor or major"; exit 1 ;;',
  "esac",
  "# These values become labels and annotations: accept only what a reference and a digest can hold.",
  'if [ -n "$BASE_IMAGE" ] && ! [[ "$BASE_IMAGE" =~ ^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}$ ]]; then',
  '  echo "::error::base_image is not an image reference"; exit 1',
  "fi",
  'if [ -n "$BASE_DIGEST" ] && ! [[ "$BASE_DIGEST" =~ ^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$ ]]; then',
  '  echo "::error::base_digest is not a sha256 or sha512 digest"; exit 1',
  "fi",
  "{",
  '  echo "bump=$bump"',
  '  echo "base_image=$BASE_IMAGE"',
  '  echo "base_digest=$BASE_DIGEST"',
  '} >> "$GITHUB_OUTPUT"',
);

const NEXT_VERSION = script(
  "set -euo pipefail",
  '# An image never pushed yet is "name unknown" to the registry; any other failure',
  "# (e.g. no access) stops the build rather than restarting the versions at 0.1.0.",
  'if ! listing="$(skopeo list-tags --authfile "$HOME/.docker/config.json" "docker://$IMAGE" 2>"$RUNNER_TEMP/list-tags.err")"; then',
  "  if grep -qiE 'name unknown|not known to registry|repository not found' \"$RUNNER_TEMP/list-tags.err\"; then",
  "    listing='{\"Tags\":[]}'",
  "  else",
  '    cat "$RUNNER_TEMP/list-tags.err" >&2',
  "    exit 1",
  "  fi",
  "fi",
  "current=\"$(jq -r '.Tags[]' <<<\"$listing\" | grep -E '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1 || true)\"",
  'if [ -z "$current" ]; then',
  "  next=0.1.0",
  "else",
  '  IFS=. read -r major minor patch <<<"$current"',
  '  case "$BUMP" in',
  '    major) next="$((major + 1)).0.0" ;;',
  '    minor) next="$major.$((minor + 1)).0" ;;',
  '    *) next="$major.$minor.$((patch + 1))" ;;',
  "  esac",
  "fi",
  'echo "version=$next" >> "$GITHUB_OUTPUT"',
);

const METADATA = script(
  "set -euo pipefail",
  'delimiter="EOF_$(openssl rand -hex 16)"',
  "oci=org.opencontainers.image",
  "metadata() {",
  '  echo "$oci.source=$SOURCE_URL"',
  '  echo "$oci.revision=$GITHUB_SHA"',
  '  echo "$oci.version=$VERSION"',
  '  if [ -n "$BASE_IMAGE" ]; then echo "$oci.base.name=$BASE_IMAGE"; fi',
  '  if [ -n "$BASE_DIGEST" ]; then echo "$oci.base.digest=$BASE_DIGEST"; fi',
  "}",
  "{",
  '  echo "tags<<$delimiter"',
  '  echo "$IMAGE:$VERSION"',
  '  echo "$IMAGE:latest"',
  '  echo "$delimiter"',
  '  echo "labels<<$delimiter"',
  "  metadata",
  '  echo "$delimiter"',
  '  echo "annotations<<$delimiter"',
  '  metadata | sed "s/^/$ANNOTATION_LEVELS:/"',
  '  echo "$delimiter"',
  '} >> "$GITHUB_OUTPUT"',
);

const SUMMARY = script(
  "set -euo pipefail",
  "# Free text from the dispatch: keep only characters that cannot format the summary.",
  "trigger=\"$(printf '%s' \"${TRIGGERED_BY:-$GITHUB_EVENT_NAME}\" | tr -cd 'A-Za-z0-9._:/@+ -' | cut -c 1-200)\"",
  "{",
  '  echo "### $IMAGE:$VERSION"',
  '  echo ""',
  '  echo "- digest: \\`$DIGEST\\`"',
  '  echo "- triggered by: $trigger"',
  '  if [ -n "$BASE_IMAGE" ]; then echo "- base: \\`$BASE_IMAGE\\` $BASE_DIGEST"; fi',
  '} >> "$GITHUB_STEP_SUMMARY"',
);

function loginStep(registry: string): Step {
  const secrets = registrySecretNames(registry);
  return {
    name: `Log in to ${registry}`,
    uses: ACTIONS.login,
    with: secrets
      ? { registry, username: `\${{ secrets.${secrets.username} }}`, password: `\${{ secrets.${secrets.password} }}` }
      : { registry, username: "${{ github.actor }}", password: "${{ secrets.GITHUB_TOKEN }}" },
  };
}

/** The workflow object for an image whose workflow the factory generates. */
export function buildWorkflow(image: ImageSpec, opts: WorkflowOptions = {}): Workflow {
  if (!image.source.generatedWorkflow) {
    throw new Error(`image ${image.name} keeps its own workflow (${image.source.workflow}); nothing to generate`);
  }
  checkEmbeddedValues(image, opts.imagesFile ?? "images.yaml");
  const imageRef = `${image.registry}/${image.repository}`;
  const multiPlatform = image.platforms.length > 1;
  const buildArgs = Object.keys(image.buildArgs)
    .sort()
    .map((k) => `${k}=${image.buildArgs[k]}`);

  const steps: Step[] = [
    { name: "Check out", uses: ACTIONS.checkout, with: { "persist-credentials": false } },
    {
      name: "Read the trigger",
      id: "trigger",
      shell: "bash",
      env: {
        VERSION_BUMP: "${{ inputs.version_bump }}",
        DEFAULT_BUMP: image.versionBump,
        BASE_IMAGE: "${{ inputs.base_image }}",
        BASE_DIGEST: "${{ inputs.base_digest }}",
      },
      run: READ_TRIGGER,
    },
    ...(multiPlatform ? [{ name: "Set up QEMU", uses: ACTIONS.setupQemu } satisfies Step] : []),
    { name: "Set up Buildx", uses: ACTIONS.setupBuildx },
    loginStep(image.registry),
    {
      name: "Compute the next version",
      id: "version",
      shell: "bash",
      env: { IMAGE: imageRef, BUMP: "${{ steps.trigger.outputs.bump }}" },
      run: NEXT_VERSION,
    },
    {
      name: "Compose tags, labels and annotations",
      id: "meta",
      shell: "bash",
      env: {
        IMAGE: imageRef,
        VERSION: "${{ steps.version.outputs.version }}",
        SOURCE_URL: `https://github.com/${image.source.repo}`,
        BASE_IMAGE: "${{ steps.trigger.outputs.base_image }}",
        BASE_DIGEST: "${{ steps.trigger.outputs.base_digest }}",
        // A multi-platform push is an image index; record the base on it and on each manifest.
        ANNOTATION_LEVELS: multiPlatform ? "index,manifest" : "manifest",
      },
      run: METADATA,
    },
    {
      name: "Build and push",
      id: "build",
      uses: ACTIONS.buildPush,
      with: {
        context: normalizedContext(image),
        file: path.posix.normalize(image.source.dockerfile),
        platforms: image.platforms.join(","),
        ...(buildArgs.length > 0 ? { "build-args": `${buildArgs.join("\n")}\n` } : {}),
        // A rebuild exists to pick up the newest base: always resolve it again.
        pull: true,
        push: true,
        tags: "${{ steps.meta.outputs.tags }}",
        labels: "${{ steps.meta.outputs.labels }}",
        annotations: "${{ steps.meta.outputs.annotations }}",
      },
    },
    {
      name: "Summarize",
      shell: "bash",
      env: {
        IMAGE: imageRef,
        VERSION: "${{ steps.version.outputs.version }}",
        DIGEST: "${{ steps.build.outputs.digest }}",
        TRIGGERED_BY: "${{ inputs.triggered_by }}",
        BASE_IMAGE: "${{ steps.trigger.outputs.base_image }}",
        BASE_DIGEST: "${{ steps.trigger.outputs.base_digest }}",
      },
      run: SUMMARY,
    },
  ];

  const workflow: Workflow = {
    name: `Build ${image.name}`,
    "run-name": `Build ${image.name} (\${{ inputs.triggered_by || github.event_name }})`,
    on: {
      workflow_dispatch: { inputs: dispatchInputs(image) },
      push: { branches: [literalFilter(image.source.branch)], paths: pushPaths(image) },
    },
    permissions: {},
    concurrency: {
      // One build per image at a time. Not cancel-in-progress: a running build finishes its
      // push, and a burst of triggers collapses into the one pending run GitHub keeps,
      // which then builds on the newest base anyway.
      group: `image-factory-build-${image.name}`,
      "cancel-in-progress": false,
    },
    jobs: {
      build: {
        name: `Build and push ${imageRef}`,
        "runs-on": RUNNER,
        "timeout-minutes": 120,
        permissions: image.registry === GITHUB_REGISTRY ? { contents: "read", packages: "write" } : { contents: "read" },
        steps,
      },
    },
  };
  return workflowSchema.parse(workflow);
}

/** The workflow file's text, exactly as committed. */
export function renderWorkflow(image: ImageSpec, opts: WorkflowOptions = {}): string {
  const workflow = buildWorkflow(image, opts);
  return toYaml(workflow, {
    header: [
      GENERATED_HEADER,
      `Builds ${image.registry}/${image.repository} from ${image.source.repo}:${image.source.dockerfile}.`,
      "Kargo dispatches it (workflow_dispatch) when a base image moves; pushes to the build context run it too.",
    ],
  });
}

/**
 * The inputs the workflow an image's rebuild dispatches to declares, which is exactly what
 * a dispatch may send. For a generated workflow they are read back from the workflow
 * itself; for an image's own workflow they are `source.workflowInputs`.
 */
export function workflowDispatchInputs(image: ImageSpec): DispatchInput[] {
  if (!image.source.generatedWorkflow) return [...image.source.workflowInputs];
  const declared = Object.keys(buildWorkflow(image).on.workflow_dispatch.inputs);
  for (const name of declared) {
    if (!(DISPATCH_INPUTS as readonly string[]).includes(name)) throw new Error(`generated workflow declares an unknown input ${name}`);
  }
  return declared as DispatchInput[];
}

/** Everything a workflow_dispatch call for an image's rebuild needs. */
export interface DispatchTarget {
  /** owner/name of the repository holding the workflow. */
  repo: string;
  owner: string;
  name: string;
  /** The workflow file name (the API's workflow_id). */
  workflow: string;
  /** The ref the run uses: the image's branch. */
  ref: string;
  /** The inputs the workflow declares; send these and no others. */
  inputs: DispatchInput[];
}

export function dispatchTarget(image: ImageSpec): DispatchTarget {
  const { owner, name } = parseRepo(image.source.repo);
  return {
    repo: image.source.repo,
    owner,
    name,
    workflow: image.source.workflow,
    ref: image.source.branch,
    inputs: workflowDispatchInputs(image),
  };
}
