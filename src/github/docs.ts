/**
 * README text for images that keep their own build workflow: what that workflow must
 * declare so a rebuild dispatch lands. Generated from the same constants the workflow
 * builder and the dispatch use, so the text cannot drift from the behaviour.
 */
import { DEFAULT_EXTERNAL_WORKFLOW_INPUTS, DISPATCH_INPUTS, type DispatchInput, GENERATED_WORKFLOW_FILE, type ImageSpec } from "../config/schema";
import { registrySecretNames } from "./workflow";

const MEANING: Record<DispatchInput, string> = {
  version_bump: "`patch`, `minor` or `major`: which part of the version to increase (the image's `versionBump`)",
  triggered_by: "free text naming what asked for the build (the Kargo promotion); never use it in a `run:` script directly",
  base_image: "the base image reference that moved, e.g. `docker.io/library/node:22-bookworm-slim`",
  base_digest: "the base's new digest, `sha256:<64 hex>`",
  dry_run: "`true` or `false` (a `boolean` input): with `true`, build but push and tag nothing; a canary stack sends `true`",
};

const list = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");

/** Markdown for the README: the contract for images with `source.workflow`. */
export function ownWorkflowContract(images: readonly ImageSpec[] = []): string {
  const lines = [
    "## Images that keep their own build workflow",
    "",
    "An image with `source.workflow` is rebuilt by dispatching that workflow (`workflow_dispatch`)",
    "in `source.repo` on `source.branch`. The dispatch sends exactly the inputs listed in",
    `\`source.workflowInputs\` (default: ${list(DEFAULT_EXTERNAL_WORKFLOW_INPUTS)}) and no others,`,
    "because GitHub rejects a dispatch that sends an input the workflow does not declare (HTTP 422).",
    "",
    "The workflow must therefore:",
    "",
    "- be triggered by `workflow_dispatch`, and exist on the repository's default branch (GitHub",
    "  only dispatches workflows it finds there, whatever ref the run then uses);",
    "- declare every input named in `source.workflowInputs` (`version_bump` as a `choice` of patch, minor,",
    "  major or a `string`; the others as `string`); a rebuild always sends all of them;",
    "- push a new semantic version tag (`X.Y.Z`) of the image to its registry, which is what Kargo watches;",
    "- declare its `permissions:` explicitly: with `github.manageRepoSettings` the repository's default",
    "  `GITHUB_TOKEN` becomes read-only.",
    "",
    "The inputs the factory can send:",
    "",
    "| input | meaning |",
    "| --- | --- |",
    ...DISPATCH_INPUTS.map((name) => `| \`${name}\` | ${MEANING[name]} |`),
    "",
    "A workflow that declares fewer inputs lists just those, e.g. `workflowInputs: [version_bump]`.",
    "Pass inputs to scripts through `env:` (`env: { BASE_IMAGE: ${{ inputs.base_image }} }`, then",
    '`"$BASE_IMAGE"`), never as `${{ inputs.* }}` inside `run:`.',
    "",
    "A workflow gets canary (`dry_run`) dispatches only if it lists `dry_run` in `source.workflowInputs`.",
    "",
    `Images without \`source.workflow\` share one generated workflow per repository and branch,`,
    `\`.github/workflows/${GENERATED_WORKFLOW_FILE}\`, which declares an \`image\` input (a choice of`,
    `that repository's generated images) and every input above; a push builds the images whose build`,
    "context changed. A hand-written workflow of that file name in the same repository is an error. They push to",
    "ghcr.io with the job's `GITHUB_TOKEN`; for any other registry they log in with two repository",
    `secrets named after the registry host, e.g. for docker.io \`${registrySecretNames("docker.io")!.username}\` and`,
    `\`${registrySecretNames("docker.io")!.password}\` (host upper-cased, other characters as \`_\`).`,
  ];
  const own = images.filter((i) => i.source.provider === "github" && !i.source.generatedWorkflow).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (own.length > 0) {
    lines.push("", "In this estate:", "", "| image | repository | workflow | branch | must declare |", "| --- | --- | --- | --- | --- |");
    for (const image of own) {
      lines.push(`| ${image.name} | ${image.source.repo} | \`${image.source.workflow}\` | ${image.source.branch} | ${list(image.source.workflowInputs)} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}
