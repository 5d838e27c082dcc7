import * as path from "node:path";
import { loadImagesFile } from "../../config/images";
import { tokenHosts } from "../../config/pulumi-config";
import { CONFIG_NAMESPACE, parseNamespacedSettings } from "../../config/stack";
import { isStackName, readProjectFile, readStackValues } from "../../render/stack-files";
import { prepareStack } from "../../stack";
import { type Command, displayPath, EXAMPLE_IMAGES, PACKAGE_ROOT, UsageError } from "../command";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check images.yaml (or whole stacks) and report every problem at once",
  help: `Usage: image-factory validate [--images FILE]
       image-factory validate --stack NAME [--stack NAME]... [--config KEY=VALUE]...

Validates images.yaml: every field, defaults, unknown keys (with suggestions) and
duplicate names. Prints a one-line summary and exits 0 when the file is valid;
otherwise prints every problem on stderr (file:line: image: field: message) and exits 1.

With --stack, checks each stack as the Pulumi program does before it declares anything,
without running it: Pulumi.<stack>.yaml, its images.yaml, its overlay (stacks/<stack>.yaml),
the lock, and what the Kargo and GitHub components plan from them.

Options:
  --images FILE   the images.yaml to check (default: the embedded example estate)
  --stack NAME    a stack to check (repeatable)
  --config K=V    with --stack: a config value, as for render (repeatable)
  -h, --help      show this help`,
  options: { images: { type: "string" }, stack: { type: "string", multiple: true }, config: { type: "string", multiple: true } },
  async run({ values }, io) {
    const stacks = (values.stack as string[] | undefined) ?? [];
    if (stacks.length > 0) {
      if (values.images !== undefined) throw new UsageError("--images and --stack do not go together: a stack names its own images.yaml");
      // As in the stack file (and as for render): paths are relative to the project.
      const overrides = (values.config as string[] | undefined) ?? [];
      for (const stack of stacks) io.stdout(`${validateStack(stack, overrides)}\n`);
      return 0;
    }
    if (values.config !== undefined) throw new UsageError("--config needs --stack");
    const file = typeof values.images === "string" ? path.resolve(io.cwd, values.images) : EXAMPLE_IMAGES;
    const shown = displayPath(file, io.cwd);
    const parsed = loadImagesFile(file, shown);
    const repos = new Set(parsed.images.map((i) => i.source.repo));
    const generated = parsed.images.filter((i) => i.source.generatedWorkflow).length;
    io.stdout(
      `${shown}: valid: ${plural(parsed.images.length, "image")} in ${plural(repos.size, "repository", "repositories")}, ` +
        `${plural(generated, "generated workflow")}, ${plural(parsed.bases.length, "declared base")}\n`,
    );
    return 0;
  },
};

/** Checks one stack; returns its summary line or throws a UserError. */
function validateStack(stack: string, overrides: readonly string[]): string {
  if (!isStackName(stack)) throw new UsageError(`--stack must be a stack name, got "${stack}"`);
  const projectDir = PACKAGE_ROOT;
  const values = readStackValues(readProjectFile(projectDir), { projectDir, stack, overrides });
  const registryTokenHosts = tokenHosts(values.config[`${CONFIG_NAMESPACE}:registryTokens`], `Pulumi.${stack}.yaml`);
  const prepared = prepareStack(parseNamespacedSettings(values.config, { stack, projectDir }), {
    projectDir,
    stack,
    registryTokenHosts,
    hasKubeconfig: values.config[`${CONFIG_NAMESPACE}:kubeconfig`] !== undefined,
    config: values.config,
  });
  const overlay = prepared.overlay ? ` with ${prepared.overlay.file}` : "";
  return (
    `${prepared.configFile}${overlay}: valid: ${prepared.estate.images.length} of ${plural(prepared.imagesFile.images.length, "image")} enrolled, ` +
    `${plural(prepared.estate.bases.length, "watched base")}, ${plural(prepared.kargoPlan.objects.length, "Kargo object")}, ` +
    `delivery ${prepared.settings.delivery.mode}`
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
