import * as path from "node:path";
import { loadImagesFile } from "../../config/images";
import { type Command, displayPath, EXAMPLE_IMAGES } from "../command";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check images.yaml and report every problem at once",
  help: `Usage: image-factory validate [--images FILE]

Validates images.yaml: every field, defaults, unknown keys (with suggestions) and
duplicate names. Prints a one-line summary and exits 0 when the file is valid;
otherwise prints every problem on stderr (file:line: image: field: message) and exits 1.

Options:
  --images FILE   the images.yaml to check (default: the embedded example estate)
  -h, --help      show this help`,
  options: { images: { type: "string" } },
  async run({ values }, io) {
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

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
