/**
 * The build workflow the factory generates in a source repository: ONE file per repository
 * and branch (`.github/workflows/image-factory-build.yml`), building any of that branch's
 * images without a workflow of their own, and the dispatch contract every rebuild target
 * has to honour.
 *
 * The images and their settings (context, Dockerfile, platforms, build args, registry and
 * repository, default version bump) are data inside the file (the `IMAGES` table of the
 * `select` job); the jobs and scripts are the same for every image. So enrolling an image,
 * or changing one image's settings, rewrites its repository's file and no other.
 *
 * What a run does, in order:
 *  1. `select` decides which images to build: on workflow_dispatch the one named by the
 *     `image` input (checked against the table); on push those whose build context or
 *     Dockerfile changed between the pushed commits (`git diff`, no third-party action),
 *     or all of them when that cannot be told (a new branch, a force push);
 *  2. one build job per registry the images push to (they differ only in the login and
 *     the permissions they need) runs a matrix of the selected images. Per image: read the
 *     trigger (the inputs are checked before anything uses them), list the registry's tags
 *     (skopeo, preinstalled on the runner) and bump the highest X.Y.Z (or start at 0.1.0),
 *     build with buildx for the image's platforms into an OCI layout on the runner, with the
 *     base the rebuild was for recorded as OCI labels and annotations; scan it (Trivy, see
 *     scan.ts) unless the image has `scan: false`, and fail on findings at its `failOn`
 *     severities; then push exactly that layout as `<version>` and `latest`;
 *  3. with `dry_run` true (a canary stack's dispatch) step 2 builds and scans every image
 *     but pushes nothing, so no version or tag appears in the registry.
 *
 * Versions come from the registry, not from git tags: the registry is what Kargo's
 * Warehouse watches, a version exists exactly when an image was pushed, and the job needs
 * no `contents: write` (GITHUB_TOKEN with `packages: write` covers GHCR end to end).
 */
import * as path from "node:path";
import { DISPATCH_INPUTS, type ImageSpec } from "../config/schema";
import { type Problem, UserError } from "../config/errors";
import { ACTIONS, RUNNER } from "./actions";
import { LAYOUT_DIR, PUSH, scanRow, scanSteps } from "./scan";
import { parseRepo, repoKey } from "./repos";
import { type Job, type Step, type Workflow, type WorkflowInput, workflowSchema } from "./workflow-schema";
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

/** Every input a generated workflow declares: the image to build, then the dispatch inputs. */
export const GENERATED_WORKFLOW_INPUTS = ["image", ...DISPATCH_INPUTS] as const;
export type GeneratedWorkflowInput = (typeof GENERATED_WORKFLOW_INPUTS)[number];

/** The version_bump option that means "the image's own versionBump". */
export const IMAGE_DEFAULT_BUMP = "image-default";

function dispatchInputs(images: readonly ImageSpec[]): Record<GeneratedWorkflowInput, WorkflowInput> {
  const names = images.map((i) => i.name);
  return {
    image: { description: "The image to build", required: true, type: "choice", options: names, default: names[0] },
    version_bump: {
      description: "Which part of the semantic version to increase (image-default: the image's versionBump)",
      required: false,
      type: "choice",
      options: [IMAGE_DEFAULT_BUMP, "patch", "minor", "major"],
      default: IMAGE_DEFAULT_BUMP,
    },
    triggered_by: { description: "What requested the build (e.g. the Kargo promotion)", required: false, type: "string" },
    base_image: { description: "The base image reference whose change triggered the build", required: false, type: "string" },
    base_digest: { description: "The new digest of that base image (sha256:...)", required: false, type: "string" },
    dry_run: { description: "Build and check, but push and tag nothing (a canary build)", required: false, type: "boolean", default: false },
  };
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
function embeddedValueProblems(image: ImageSpec, file: string): Problem[] {
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
  return problems;
}

function script(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

// The scripts are the same for every image: everything image-specific arrives in env.

const READ_TRIGGER = script(
  "set -euo pipefail",
  "# On push there are no inputs: the image's own bump applies, and the build is pushed.",
  'bump="${VERSION_BUMP:-' + IMAGE_DEFAULT_BUMP + '}"',
  'if [ "$bump" = ' + IMAGE_DEFAULT_BUMP + ' ]; then bump="$DEFAULT_BUMP"; fi',
  'case "$bump" in',
  "  patch|minor|major) ;;",
  '  *) echo "::error::version_bump must be patch, minor or major"; exit 1 ;;',
  "esac",
  'case "${DRY_RUN:-false}" in',
  "  false) push=true ;;",
  "  true) push=false ;;",
  '  *) echo "::error::dry_run must be true or false"; exit 1 ;;',
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
  '  echo "push=$push"',
  '  echo "base_image=$BASE_IMAGE"',
  '  echo "base_digest=$BASE_DIGEST"',
  '} >> "$GITHUB_OUTPUT"',
);

/**
 * The `select` job's script: which images of the IMAGES table this run builds, written as
 * one JSON matrix per build job. Paths are compared literally (a context `a` matches `a/x`,
 * not `ab/x`), like the escaped push filters.
 */
const SELECT = script(
  "set -euo pipefail",
  'if [ "$GITHUB_EVENT_NAME" = workflow_dispatch ]; then',
  "  if ! jq -e --arg image \"$IMAGE\" 'has($image)' <<<\"$IMAGES\" >/dev/null; then",
  "    echo \"::error::image must be one of: $(jq -r 'keys | join(\", \")' <<<\"$IMAGES\")\"",
  "    exit 1",
  "  fi",
  "  selected=\"$(jq -cn --arg image \"$IMAGE\" '[$image]')\"",
  "elif [ -n \"$BEFORE\" ] && [ \"$BEFORE\" != 0000000000000000000000000000000000000000 ] &&",
  "  changed=\"$(git diff --no-renames --name-only -z \"$BEFORE\" \"$GITHUB_SHA\" | jq -Rsc 'split(\"\\u0000\") | map(select(length > 0))')\"; then",
  "  # --no-renames: a file moved out of a context changes that context too.",
  "  selected=\"$(jq -c --argjson files \"$changed\" '[to_entries[] | .key as $name | .value as $i",
  "    | select(any($files[]; . == $i.dockerfile or $i.context == \".\" or startswith($i.context + \"/\"))) | $name]' <<<\"$IMAGES\")\"",
  "else",
  "  # A new branch or a rewritten history: what changed cannot be told, so build everything.",
  "  echo \"::notice::cannot compare with the previous head; building every image of this workflow\"",
  "  selected=\"$(jq -c 'keys' <<<\"$IMAGES\")\"",
  "fi",
  'echo "selected: $selected"',
  "jq -r --argjson selected \"$selected\" '(to_entries | map(.value.job) | unique[]) as $job",
  "  | \"\\($job)=\\([to_entries[] | select(.value.job == $job and (.key | IN($selected[]))) | .value + {name: .key}] | tojson)\"' \\",
  '  <<<"$IMAGES" >> "$GITHUB_OUTPUT"',
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
  '  if [ "$PUSHED" = true ]; then echo "### $IMAGE:$VERSION"; else echo "### $IMAGE:$VERSION (dry run: built, not pushed)"; fi',
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

/** The generated images of one repository and branch: the contents of one workflow file. */
export interface WorkflowGroup {
  /** owner/name as the first image (by name) spells it. */
  repo: string;
  branch: string;
  /** Sorted by name. */
  images: ImageSpec[];
}

/** Images with a generated workflow, grouped by repository (case-insensitive) and branch, sorted. */
export function generatedWorkflowGroups(images: readonly ImageSpec[]): WorkflowGroup[] {
  const groups = new Map<string, WorkflowGroup>();
  const sorted = images.filter((i) => i.source.generatedWorkflow).sort((a, b) => cmp(a.name, b.name));
  for (const image of sorted) {
    const key = `${repoKey(image.source.repo)}\0${image.source.branch}`;
    const group = groups.get(key) ?? { repo: image.source.repo, branch: image.source.branch, images: [] };
    group.images.push(image);
    groups.set(key, group);
  }
  return [...groups.entries()].sort(([a], [b]) => cmp(a, b)).map(([, g]) => g);
}

/** The group of one image: its repository and branch. */
export function workflowGroupOf(image: ImageSpec, images: readonly ImageSpec[]): WorkflowGroup {
  const key = (i: ImageSpec) => `${repoKey(i.source.repo)}\0${i.source.branch}`;
  const group = generatedWorkflowGroups(images.filter((i) => key(i) === key(image)));
  if (group.length !== 1 || !group[0].images.includes(image)) throw new Error(`image ${image.name} has no generated workflow`);
  return group[0];
}

/** One build job per registry: `build-<registry slug>`, made unique in sorted order. */
function buildJobIds(registries: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const registry of [...new Set(registries)].sort()) {
    const base = `build-${registry.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    ids.set(registry, id);
  }
  return ids;
}

/**
 * An image's row of the IMAGES table: everything its build needs. Only values already
 * checked by checkEmbeddedValues and the schema reach it.
 */
function imageRow(image: ImageSpec, job: string): Record<string, unknown> {
  const buildArgs = Object.keys(image.buildArgs)
    .sort()
    .map((k) => `${k}=${image.buildArgs[k]}\n`)
    .join("");
  const multiPlatform = image.platforms.length > 1;
  return {
    job,
    ref: `${image.registry}/${image.repository}`,
    context: normalizedContext(image),
    dockerfile: path.posix.normalize(image.source.dockerfile),
    platforms: image.platforms.join(","),
    build_args: buildArgs,
    version_bump: image.versionBump,
    qemu: multiPlatform,
    // A multi-platform push is an image index; record the base on it and on each manifest.
    annotation_levels: multiPlatform ? "index,manifest" : "manifest",
    ...scanRow(image),
  };
}

/** The table as JSON, one image per line, so a change to one image is a one-line diff. */
function imagesTable(rows: Array<[string, Record<string, unknown>]>): string {
  return `{\n${rows.map(([name, row]) => `${JSON.stringify(name)}: ${JSON.stringify(row)}`).join(",\n")}\n}\n`;
}

function buildSteps(registry: string, repo: string): Step[] {
  return [
    { name: "Check out", uses: ACTIONS.checkout, with: { "persist-credentials": false } },
    {
      name: "Read the trigger",
      id: "trigger",
      shell: "bash",
      env: {
        VERSION_BUMP: "${{ inputs.version_bump }}",
        DEFAULT_BUMP: "${{ matrix.version_bump }}",
        DRY_RUN: "${{ inputs.dry_run }}",
        BASE_IMAGE: "${{ inputs.base_image }}",
        BASE_DIGEST: "${{ inputs.base_digest }}",
      },
      run: READ_TRIGGER,
    },
    { name: "Set up QEMU", if: "${{ matrix.qemu }}", uses: ACTIONS.setupQemu },
    { name: "Set up Buildx", uses: ACTIONS.setupBuildx },
    loginStep(registry),
    {
      name: "Compute the next version",
      id: "version",
      shell: "bash",
      env: { IMAGE: "${{ matrix.ref }}", BUMP: "${{ steps.trigger.outputs.bump }}" },
      run: NEXT_VERSION,
    },
    {
      name: "Compose labels and annotations",
      id: "meta",
      shell: "bash",
      env: {
        IMAGE: "${{ matrix.ref }}",
        VERSION: "${{ steps.version.outputs.version }}",
        SOURCE_URL: `https://github.com/${repo}`,
        BASE_IMAGE: "${{ steps.trigger.outputs.base_image }}",
        BASE_DIGEST: "${{ steps.trigger.outputs.base_digest }}",
        ANNOTATION_LEVELS: "${{ matrix.annotation_levels }}",
      },
      run: METADATA,
    },
    {
      name: "Build",
      id: "build",
      uses: ACTIONS.buildPush,
      with: {
        context: "${{ matrix.context }}",
        file: "${{ matrix.dockerfile }}",
        platforms: "${{ matrix.platforms }}",
        "build-args": "${{ matrix.build_args }}",
        // A rebuild exists to pick up the newest base: always resolve it again.
        pull: true,
        // Every platform into one OCI layout on the runner: scanned, then pushed as it is.
        outputs: `type=oci,dest=\${{ runner.temp }}/${LAYOUT_DIR},tar=false`,
        labels: "${{ steps.meta.outputs.labels }}",
        annotations: "${{ steps.meta.outputs.annotations }}",
      },
    },
    ...scanSteps(),
    {
      name: "Push",
      id: "push",
      // A dry run (dry_run: true) builds and scans every image and pushes nothing: no version, no tag.
      if: "${{ steps.trigger.outputs.push == 'true' }}",
      shell: "bash",
      env: { IMAGE: "${{ matrix.ref }}", VERSION: "${{ steps.version.outputs.version }}" },
      run: PUSH,
    },
    {
      name: "Summarize",
      shell: "bash",
      env: {
        IMAGE: "${{ matrix.ref }}",
        VERSION: "${{ steps.version.outputs.version }}",
        PUSHED: "${{ steps.trigger.outputs.push }}",
        DIGEST: "${{ steps.push.outputs.digest || steps.build.outputs.digest }}",
        TRIGGERED_BY: "${{ inputs.triggered_by }}",
        BASE_IMAGE: "${{ steps.trigger.outputs.base_image }}",
        BASE_DIGEST: "${{ steps.trigger.outputs.base_digest }}",
      },
      run: SUMMARY,
    },
  ];
}

/**
 * The workflow object for one repository and branch: builds any of `images` (all without a
 * workflow of their own, all in that repository and branch).
 */
export function buildRepoWorkflow(images: readonly ImageSpec[], opts: WorkflowOptions = {}): Workflow {
  if (images.length === 0) throw new Error("a generated workflow needs at least one image");
  const [first] = images;
  for (const image of images) {
    if (!image.source.generatedWorkflow) {
      throw new Error(`image ${image.name} keeps its own workflow (${image.source.workflow}); nothing to generate`);
    }
    if (repoKey(image.source.repo) !== repoKey(first.source.repo) || image.source.branch !== first.source.branch) {
      throw new Error(`image ${image.name} is built from ${image.source.repo}:${image.source.branch}, not ${first.source.repo}:${first.source.branch}`);
    }
  }
  const sorted = [...images].sort((a, b) => cmp(a.name, b.name));
  const file = opts.imagesFile ?? "images.yaml";
  const problems = sorted.flatMap((image) => embeddedValueProblems(image, file));
  if (problems.length > 0) throw new UserError(problems);

  const repo = first.source.repo;
  const jobIds = buildJobIds(sorted.map((i) => i.registry));
  const rows = sorted.map((image): [string, Record<string, unknown>] => [image.name, imageRow(image, jobIds.get(image.registry)!)]);
  const paths = [...new Set(sorted.flatMap(pushPaths))].sort(cmp);

  const jobs: Record<string, Job> = {
    select: {
      name: "Choose the images to build",
      "runs-on": RUNNER,
      "timeout-minutes": 10,
      permissions: { contents: "read" },
      outputs: Object.fromEntries([...jobIds.values()].map((id) => [id, `\${{ steps.select.outputs.${id} }}`])),
      steps: [
        {
          name: "Check out the pushed commits",
          // Trees without file contents: enough for git diff to list the changed paths.
          if: "${{ github.event_name == 'push' }}",
          uses: ACTIONS.checkout,
          with: { "persist-credentials": false, "fetch-depth": 0, filter: "blob:none" },
        },
        {
          name: "Select",
          id: "select",
          shell: "bash",
          env: { IMAGE: "${{ inputs.image }}", BEFORE: "${{ github.event.before }}", IMAGES: imagesTable(rows) },
          run: SELECT,
        },
      ],
    },
  };
  for (const [registry, id] of jobIds) {
    jobs[id] = {
      name: `Build \${{ matrix.name }} (${registry})`,
      needs: ["select"],
      if: `\${{ needs.select.outputs.${id} != '[]' }}`,
      "runs-on": RUNNER,
      "timeout-minutes": 120,
      permissions: {
        contents: "read",
        ...(registry === GITHUB_REGISTRY ? { packages: "write" } : {}),
        // The SARIF upload to code scanning, only where some image of the job is scanned.
        ...(sorted.some((i) => i.registry === registry && i.scan !== false) ? { "security-events": "write" } : {}),
      },
      concurrency: {
        // One build per image at a time. Not cancel-in-progress: a running build finishes its
        // push, and a burst of triggers collapses into the one pending job GitHub keeps per
        // group, which then builds on the newest base anyway. Dry runs have their own group, so
        // a canary dispatch never replaces a pending real build.
        group: "image-factory-build-${{ matrix.name }}${{ inputs.dry_run && '-dry-run' || '' }}",
        "cancel-in-progress": false,
      },
      strategy: { "fail-fast": false, matrix: { include: `\${{ fromJSON(needs.select.outputs.${id}) }}` } },
      steps: buildSteps(registry, repo),
    };
  }

  const workflow: Workflow = {
    name: "Build images (image-factory)",
    "run-name": "Build ${{ inputs.image || 'changed images' }} (${{ inputs.triggered_by || github.event_name }})",
    on: {
      workflow_dispatch: { inputs: dispatchInputs(sorted) },
      push: { branches: [literalFilter(first.source.branch)], paths },
    },
    permissions: {},
    jobs,
  };
  return workflowSchema.parse(workflow);
}

/** The workflow file's text, exactly as committed. */
export function renderRepoWorkflow(images: readonly ImageSpec[], opts: WorkflowOptions = {}): string {
  const workflow = buildRepoWorkflow(images, opts);
  const [first] = images;
  return toYaml(workflow, {
    header: [
      GENERATED_HEADER,
      // No value from images.yaml in comments: a comment cannot escape what a reader takes for a line break.
      "Builds the images of this repository and branch that have no workflow of their own.",
      "Kargo dispatches it (workflow_dispatch, input image) when a base image moves; a push builds the images whose context changed.",
    ],
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The inputs the workflow an image's rebuild dispatches to declares, which is exactly what
 * a dispatch may send. A generated workflow declares GENERATED_WORKFLOW_INPUTS (its builder
 * writes exactly these; a test reads them back from the text); an image's own workflow
 * declares `source.workflowInputs`.
 */
export function workflowDispatchInputs(image: ImageSpec): Array<GeneratedWorkflowInput> {
  if (!image.source.generatedWorkflow) return [...image.source.workflowInputs];
  return [...GENERATED_WORKFLOW_INPUTS];
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
  /**
   * The inputs the workflow declares; send these and no others. A generated workflow's
   * `image` input takes the image's name, which is one of its choices.
   */
  inputs: Array<GeneratedWorkflowInput>;
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
