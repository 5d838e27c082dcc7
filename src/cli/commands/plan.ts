import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, displayPath, lazy, PACKAGE_ROOT, paint, UsageError, withProgress } from "../command";
import { analyzeCommandFor, checkLock, localSourceRoot } from "../stack-inputs";
import { scanForSecrets } from "../../render/secret-scan";
import { RENDER_OPTIONS, RENDER_OPTIONS_HELP, renderFromCli, writeOrReport } from "./render";

/** The plan's builders and formatters, loaded when a plan runs. */
const loadPlan = () => lazy(() => require("../../plan") as typeof import("../../plan"), () => import("../../plan"));

export const planCommand: Command = {
  name: "plan",
  summary: "Summarize what a stack sets up, or what a change does, for review (no credentials needed)",
  help: `Usage: image-factory plan [--stack NAME] [--base DIR] [--format markdown|json] [--out DIR]
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
  options: {
    ...RENDER_OPTIONS,
    base: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    "source-root": { type: "string" },
    "exit-code": { type: "boolean" },
    "base-name": { type: "string" },
    "json-out": { type: "string" },
  },
  async run({ values }, io) {
    const format = (values.format as string | undefined) ?? "markdown";
    if (format !== "markdown" && format !== "json") throw new UsageError(`--format must be markdown or json, got "${format}"`);
    if (values["exit-code"] && values.base === undefined) throw new UsageError("--exit-code needs --base: changes are counted against a base render");
    if (values["base-name"] !== undefined && values.base === undefined) throw new UsageError("--base-name needs --base");
    const { buildPlan, formatJson, formatMarkdown, readRenderedResources, stackEstate } = await loadPlan();
    // Read the base first: a wrong folder should fail before the slower render.
    const baseDir = typeof values.base === "string" ? path.resolve(io.cwd, values.base) : undefined;
    const base = baseDir ? readRenderedResources(baseDir, displayPath(baseDir, io.cwd)) : undefined;

    const result = await renderFromCli(values, io, { quiet: true });
    if (typeof result === "number") return result;
    const stack = stackEstate(result.config, { projectDir: PACKAGE_ROOT, stack: result.stack });
    if (typeof values.out === "string") {
      const failed = await writeOrReport(result, path.resolve(io.cwd, values.out), io);
      if (failed !== undefined) return failed;
    }
    const lock = await withProgress(io, "checking the lock against the Dockerfiles", () => checkLock(stack.imagesFile, stack.settings.stateDir, localSourceRoot(values["source-root"], stack.settings.imagesPath, io), { ...io, isTTY: false }));
    const exported = result.outputs.estateRevision;
    const plan = buildPlan({
      render: result,
      estate: stack.estate,
      settings: stack.settings,
      imagesFile: { file: stack.imagesFile.file, images: stack.imagesFile.images.length },
      overlay: stack.overlay?.file,
      // The program's own output when it exports one; the same computation otherwise.
      revision: typeof exported === "string" ? exported : stack.revision,
      ...(base ? { base: { shownAs: typeof values["base-name"] === "string" ? values["base-name"] : displayPath(baseDir!, io.cwd), resources: base.resources, ...(base.stack ? { stack: base.stack } : {}), ...(base.outputs ? { outputs: base.outputs } : {}) } } : {}),
      outputs: result.outputs,
      lock: { file: lock.file, status: lock.status, command: analyzeCommandFor(result.stack), ...(lock.reason ? { reason: lock.reason } : {}) },
    });
    if (lock.status === "stale" && !io.quiet) io.stderr(`${paint(io, "yellow", "warning:")} ${lock.file} is stale: a Dockerfile changed since it was written; run \`${analyzeCommandFor(result.stack)}\` and commit it\n`);
    const text = format === "json" ? formatJson(plan) : formatMarkdown(plan, undefined, { columns: io.columns });
    // The same scan render runs before writing: nothing plan prints or writes may hold a secret either.
    const { SecretLeakError, secretValuesOf } = await lazy(() => require("../../render/render") as typeof import("../../render/render"), () => import("../../render/render"));
    const findings = scanForSecrets(new Map([["plan output", text], ["plan json", formatJson(plan)], ...result.files]), secretValuesOf(result));
    if (findings.length > 0) {
      io.stderr(`${new SecretLeakError(findings).message.replace("refusing to write the render", "refusing to print the plan")}\n`);
      return 1;
    }
    if (typeof values["json-out"] === "string") {
      fs.writeFileSync(path.resolve(io.cwd, values["json-out"]), formatJson(plan));
    }
    io.stdout(text);
    if (values["exit-code"]) return plan.changes && plan.changes.list.length > 0 ? 2 : 0;
    return 0;
  },
};
