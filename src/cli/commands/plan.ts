import * as path from "node:path";
import { buildPlan, formatJson, formatMarkdown, readRenderedResources, stackEstate } from "../../plan";
import { type Command, displayPath, PACKAGE_ROOT, UsageError } from "../command";
import { RENDER_OPTIONS, RENDER_OPTIONS_HELP, renderFromCli, writeOrReport } from "./render";

export const planCommand: Command = {
  name: "plan",
  summary: "Summarize what a stack sets up, or what a change does, for review (no credentials needed)",
  help: `Usage: image-factory plan [--stack NAME] [--base DIR] [--format markdown|json] [--out DIR]
                          [--images FILE] [--state DIR] [--config KEY=VALUE]...

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

With no options it runs on the example estate with the dev stack. Markdown output reads in
a terminal and as a pull-request comment; --format json has every detail.

Options:
${RENDER_OPTIONS_HELP}
  --base DIR          compare with this render folder
  --format FORMAT     markdown (default) or json
  --out DIR           also write the render to DIR
  -h, --help          show this help`,
  options: {
    ...RENDER_OPTIONS,
    base: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
  },
  async run({ values }, io) {
    const format = (values.format as string | undefined) ?? "markdown";
    if (format !== "markdown" && format !== "json") throw new UsageError(`--format must be markdown or json, got "${format}"`);
    // Read the base first: a wrong folder should fail before the slower render.
    const baseDir = typeof values.base === "string" ? path.resolve(io.cwd, values.base) : undefined;
    const base = baseDir ? { shownAs: displayPath(baseDir, io.cwd), resources: readRenderedResources(baseDir, displayPath(baseDir, io.cwd)) } : undefined;

    const result = await renderFromCli(values, io, { quiet: true });
    if (typeof result === "number") return result;
    const stack = stackEstate(result.config, { projectDir: PACKAGE_ROOT, stack: result.stack });
    if (typeof values.out === "string") {
      const failed = writeOrReport(result, path.resolve(io.cwd, values.out), io);
      if (failed !== undefined) return failed;
    }
    const exported = result.outputs.estateRevision;
    const plan = buildPlan({
      render: result,
      estate: stack.estate,
      settings: stack.settings,
      imagesFile: { file: stack.imagesFile.file, images: stack.imagesFile.images.length },
      overlay: stack.overlay?.file,
      // The program's own output when it exports one; the same computation otherwise.
      revision: typeof exported === "string" ? exported : stack.revision,
      base,
    });
    io.stdout(format === "json" ? formatJson(plan) : formatMarkdown(plan));
    return 0;
  },
};
