import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, displayPath, lazy, PACKAGE_ROOT, paint, UsageError, withProgress } from "../command";
import { analyzeCommandFor, checkLock, localSourceRoot } from "../stack-inputs";
import { scanForSecrets } from "../../render/secret-scan";
import { RENDER_OPTIONS, renderFromCli, writeOrReport } from "./render";
import { COMMAND_HELP } from "../help";

/** The plan's builders and formatters, loaded when a plan runs. */
const loadPlan = () => lazy(() => require("../../plan") as typeof import("../../plan"), () => import("../../plan"));

export const planCommand: Command = {
  name: "plan",
  summary: "Summarize what a stack sets up, or what a change does, for review (no credentials needed)",
  help: COMMAND_HELP.plan,
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
