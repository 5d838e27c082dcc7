/**
 * Every command's --help text, apart from the commands themselves: `image-factory <command>
 * --help` prints it without loading the command (and the zod, yaml, Pulumi and analysis
 * modules it needs to run).
 */

/** The options render and plan share. */
export const RENDER_OPTIONS_HELP = `  --stack NAME        the stack whose Pulumi.<stack>.yaml is read (default: dev, or
                      $IMAGE_FACTORY_STACK)
  --images FILE       images.yaml to use (sets image-factory:images)
  --state DIR         folder of images.lock.yaml (sets image-factory:state)
  --config KEY=VALUE  a config value (repeatable; the namespace defaults to image-factory;
                      image-factory:githubToken and other secret keys stay secret)
  --up                run the program as \`pulumi up\` would, not as a preview`;

export const COMMAND_HELP = {
  init: `Usage: image-factory init [--repo OWNER/NAME] [--out FILE] [CHECKOUT]...

Searches each CHECKOUT (a local clone of a source repository; default: the current folder)
for Dockerfiles (Dockerfile, Dockerfile.<variant>, <variant>.Dockerfile) and writes a
starting images.yaml with one image per Dockerfile: its name (from its folder), the
repository (from the checkout's origin remote, or --repo), the remote's default branch when
the clone recorded it, the Dockerfile's path and its folder as the build context.

What a checkout cannot tell is left out and marked NOT KNOWN in a comment: where each image
is published (repository) and, without a remote, the source repository. Workflows that
mention a Dockerfile are noted beside it, not chosen. The file is not valid until those are
filled in; \`image-factory validate --images FILE\` lists what is missing. An existing file
is never overwritten.

Options:
  --repo OWNER/NAME   the source repository, when a single CHECKOUT has no usable remote
  --out FILE          the file to write (default: images.yaml); - prints it instead
  -h, --help          show this help`,
  validate: `Usage: image-factory validate [--stack NAME]... [--config KEY=VALUE]... [--source-root DIR] [--json]
       image-factory validate --images FILE [--json]

Checks each stack as the Pulumi program does before it declares anything, without running
it: Pulumi.<stack>.yaml, its images.yaml, its overlay (stacks/<stack>.yaml), the lock, and
what the Kargo and GitHub components plan from them. With no --stack it checks the default
stack: $IMAGE_FACTORY_STACK, else dev. Several stacks are also checked together: at most one
of them may own the builds of an image (image-factory:builds: owner).

When the Dockerfiles can be read on this machine (--source-root DIR, or a sources/ folder
beside images.yaml laid out as <owner>/<repo>/<path>), it also analyzes them and fails when
the committed images.lock.yaml is stale, naming the command that refreshes it.

With --images, validates that images.yaml alone: every field, defaults, unknown keys (with
suggestions) and duplicate names.

Prints a one-line summary per stack and exits 0 when everything is valid; otherwise prints
every problem on stderr (file:line: image: field: message) and exits 1. --json prints one
object instead: {"valid","stacks":[...],"problems":[{"file","line","subject","field","message"}]}.

Options:
  --stack NAME        a stack to check (repeatable; default: dev)
  --config KEY=VALUE  a config value for the stacks, as for render (repeatable)
  --source-root DIR   where the Dockerfiles are (DIR/<owner>/<repo>/<path>)
  --images FILE       check this images.yaml alone, outside any stack
  --json              print the result as JSON
  -h, --help          show this help`,
  analyze: `Usage: image-factory analyze [--stack NAME] [--config KEY=VALUE]... [--source-root DIR] [--check] [--json]
       image-factory analyze --images FILE [--state DIR] [--source-root DIR] [--check] [--json]
       image-factory analyze --dockerfile PATH [--build-arg K=V]... [--platform P]... [--json]

Reads each image's Dockerfile and records its base images in images.lock.yaml: the FROM,
COPY --from and RUN --mount from= images, normalized (docker.io/library/node:22), each
marked runtime (the final image is built on it) or build-only, with its Dockerfile line.
The Pulumi program reads only this file, so commit it beside images.yaml and run analyze
again after changing images.yaml or a Dockerfile.

It works on a stack's images.yaml and lock folder (image-factory:images and
image-factory:state in Pulumi.<stack>.yaml): --stack, else $IMAGE_FACTORY_STACK, else dev.
--images FILE works on that file alone, with its lock beside it (or in --state DIR).

Dockerfiles are read from --source-root (DIR/<owner>/<repo>/<path>; GitLab sources
DIR/<host>/<project path>/<path>, a port as <host>_<port>), else from a sources/ folder
beside images.yaml laid out the same way (as in the example estate), else from GitHub or
GitLab at each image's branch
(GITHUB_TOKEN and GITLAB_TOKEN, when set, authenticate). A Dockerfile that cannot be
read is reported and nothing is written. A FROM whose image cannot be determined exactly
(an unset ARG, a platform-dependent reference) is recorded, reported, and exits 1.

--json prints the result as one JSON object: {"lock","status","images","bases","problems"}
with status written, unchanged, fresh, stale or missing.

With --dockerfile, analyzes one local Dockerfile and prints its bases (JSON with --json:
{"bases":[{"reference","runtime","line"}],"unresolved":[{"line","reason"}]}); exits 1 when
something is unresolved.

Options:
  --stack NAME        the stack whose images.yaml and lock are used (default: dev)
  --config KEY=VALUE  a config value for the stack, as for render (repeatable)
  --images FILE       an images.yaml outside any stack
  --state DIR         with --images: where images.lock.yaml is (default: beside images.yaml)
  --source-root DIR   read Dockerfiles from DIR/<owner>/<repo>/<path>
  --check             write nothing; exit 1 with a diff when images.lock.yaml is stale (for CI)
  --dockerfile PATH   analyze one Dockerfile instead of the estate
  --build-arg K=V     a build argument for --dockerfile (repeatable)
  --platform P        a target platform for --dockerfile, e.g. linux/arm64 (repeatable)
  --json              print the result as JSON
  -h, --help          show this help`,
  rescan: `Usage: image-factory rescan --published FILE [--base FILE] [--fail-on SEVERITIES] [--include-unfixed] [--json]
       image-factory rescan [--stack NAME] [--config KEY=VALUE]... [--images FILE [--state DIR]] --list [--per-shard N] [--json]
       image-factory rescan [--stack NAME] [--config KEY=VALUE]... [--images FILE [--state DIR]] --shard K/N [--summary FILE] [--json]

New vulnerabilities are published after an image is built. rescan reports, per image, what
its newest published version has now and what a rebuild on its current base would fix: the
OS-package findings of the published image that the current runtime base (from
images.lock.yaml) no longer has. Language packages and packages the image installs itself
are listed as such: a rebuild on a new base does not change them.

With --published, compares two Trivy JSON reports (trivy image --format json; the base
scanned with --list-all-pkgs, so packages the base does not have can be told apart). No
registry, scanner or credential is used. --fail-on (default CRITICAL) and --include-unfixed
(default: only findings with a fixed version count) mirror images.yaml's scan settings.

With --list, prints the images to rescan (every image without scan: false) in shards of
about --per-shard images (default 20; at most 256 shards, GitHub's matrix limit), ordered by
runtime base so a shard scans each base once. --json: {"shards","matrix":["1/N",...],"targets"}.

With --shard K/N, rescans shard K: the newest X.Y.Z tag of each image (skopeo list-tags, the
tags the generated build workflow pushes), scanned with trivy for the platform its build
scans, and its runtime base scanned once per shard. Registry credentials come from the
docker config (docker login). Writes the report as Markdown (also appended to --summary FILE,
e.g. $GITHUB_STEP_SUMMARY), or as JSON with --json. Exits 1 when an image could not be
scanned, 0 otherwise (findings are reported, not failed).

Options:
  --published FILE      Trivy JSON report of the published image
  --base FILE           Trivy JSON report of its current base (omit for FROM scratch)
  --fail-on LIST        severities counted as failing, e.g. HIGH,CRITICAL (default CRITICAL)
  --include-unfixed     count findings without a fixed version too
  --stack NAME          the stack whose images.yaml and lock are used (default: dev)
  --config KEY=VALUE    a config value for the stack, as for render (repeatable)
  --images FILE         an images.yaml outside any stack
  --state DIR           with --images: where images.lock.yaml is (default: beside images.yaml)
  --list                print the images to rescan, sharded
  --per-shard N         about this many images per shard (default 20)
  --shard K/N           rescan shard K of N
  --summary FILE        also append the Markdown report to FILE
  --json                print the result as JSON
  -h, --help            show this help`,
  render: `Usage: image-factory render [--stack NAME] [--images FILE] [--state DIR] [--config KEY=VALUE]... [--up] --out DIR

Runs the Pulumi program under Pulumi's mock runtime with the stack's configuration, as
\`pulumi preview\` would, and writes what it declares:

  DIR/kubernetes/<kind>_<namespace>_<name>.yaml   every Kubernetes object
  DIR/github/<owner>/<repo>/<path>                every file committed to a GitHub repository
  DIR/resources.json                              every resource with its inputs
  DIR/outputs.json, DIR/render.json               stack outputs; what was rendered

No Pulumi CLI, cluster, GitHub token or network is used. Secret config values are never
read: a \`secure:\` value becomes a placeholder, every secret is written as "[secret]", and
the files are checked for secret values (plain, base64, URL-encoded) before anything is
written. The output is the same bytes for the same input; compare two renders with
\`image-factory plan --base DIR\`. DIR is replaced as a whole, and only when it is empty or
holds exactly an earlier render's files (listed in DIR/.image-factory-render); on any error
nothing is written.

Options:
${RENDER_OPTIONS_HELP}
  --out DIR           the folder to write (required)
  -h, --help          show this help`,
  plan: `Usage: image-factory plan [--stack NAME] [--base DIR] [--format markdown|json] [--out DIR]
                          [--images FILE] [--state DIR] [--config KEY=VALUE]... [--up]
                          [--source-root DIR] [--exit-code] [--base-name NAME] [--json-out FILE]

Runs the Pulumi program under Pulumi's mock runtime (as \`image-factory render\` does) and
prints a review summary:

  - the resources the stack declares, or with --base the resources added, changed and
    removed against an earlier render (e.g. main's: \`image-factory render --out DIR\`);
  - the rebuild graph (bases → images, and images built on managed images), as Mermaid;
  - what each base update sets off: images rebuilt, build workflows dispatched (worst
    case), images waiting for a manual promotion, update pull requests;
  - per registry, the polling requests per hour against its budget and known limits;
  - warnings: images that never rebuild by themselves, bases pinned by digest, registries
    over budget, own workflows without the base_digest input, the program's warnings.

With no options it runs the default stack (dev, or $IMAGE_FACTORY_STACK). When the
Dockerfiles can be read locally (--source-root DIR, or a sources/ folder beside images.yaml)
it first checks that the lock is up to date with them and warns "stale" with the command
that refreshes it. Markdown output reads in a terminal and as a pull-request comment;
--format json has every detail.

Options:
${RENDER_OPTIONS_HELP}
  --base DIR          compare with this render folder
  --base-name NAME    how the plan names the base (default: DIR), e.g. "main at 1a2b3c4"
  --format FORMAT     markdown (default) or json
  --out DIR           also write the render to DIR
  --json-out FILE     also write the plan as JSON to FILE (for CI: one render, both forms)
  --source-root DIR   where the Dockerfiles are, to check the lock (DIR/<owner>/<repo>/<path>)
  --exit-code         exit 2 when the plan has changes against --base, 0 when it has none
                      (1 stays an error), as \`pulumi preview --expect-no-changes\`
  -h, --help          show this help`,
} as const;
