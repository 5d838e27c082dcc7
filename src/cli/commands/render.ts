import * as path from "node:path";
import { isUserError } from "../../config/errors";
import type { RenderOptions, RenderResult } from "../../render/render";
import { isStackName } from "../../render/stack-files";
import { type CliIO, type Command, defaultStack, displayPath, lazy, PACKAGE_ROOT, UsageError, withProgress } from "../command";
import { COMMAND_HELP } from "../help";

/** The renderer and Pulumi's SDK: loaded when a render runs, not for --help. */
const loadRender = () => lazy(() => require("../../render/render") as typeof import("../../render/render"), () => import("../../render/render"));


/** The flags render and plan share (RENDER_OPTIONS_HELP in ../help.ts describes them). */
export const RENDER_OPTIONS: Command["options"] = {
  stack: { type: "string" },
  images: { type: "string" },
  state: { type: "string" },
  config: { type: "string", multiple: true },
  up: { type: "boolean" },
};

export const renderCommand: Command = {
  name: "render",
  summary: "Write everything a stack declares (Kubernetes objects, GitHub files, resources) to a folder",
  help: COMMAND_HELP.render,
  options: { ...RENDER_OPTIONS, out: { type: "string" } },
  async run({ values }, io) {
    if (typeof values.out !== "string" || values.out === "") throw new UsageError("--out DIR is required");
    const result = await renderFromCli(values, io);
    if (typeof result === "number") return result;
    const out = path.resolve(io.cwd, values.out);
    const failed = await writeOrReport(result, out, io);
    if (failed !== undefined) return failed;
    const k8s = [...result.files.keys()].filter((f) => f.startsWith("kubernetes/")).length;
    const gh = [...result.files.keys()].filter((f) => f.startsWith("github/")).length;
    io.stdout(
      `${displayPath(out, io.cwd)}: stack ${result.stack}: ${result.resources.length} resources, ` +
        `${k8s} Kubernetes object${k8s === 1 ? "" : "s"}, ${gh} GitHub file${gh === 1 ? "" : "s"}\n`,
    );
    return 0;
  },
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** The render options the render and plan commands share, from their parsed flags. */
export function renderOptionsFrom(values: Values, io: CliIO): RenderOptions {
  if (values.stack !== undefined && !isStackName(String(values.stack))) throw new UsageError(`--stack must be a stack name, got "${values.stack}"`);
  return {
    projectDir: PACKAGE_ROOT,
    stack: typeof values.stack === "string" ? values.stack : defaultStack(io),
    images: typeof values.images === "string" ? path.resolve(io.cwd, values.images) : undefined,
    state: typeof values.state === "string" ? path.resolve(io.cwd, values.state) : undefined,
    config: (values.config as string[] | undefined) ?? [],
    preview: values.up !== true,
  };
}

/**
 * Renders with the flags given, printing the program's warnings and render's notes on stderr
 * (unless `quiet`: the caller reports them itself).
 * A program that rejects its input returns exit code 1 (the problems are printed).
 */
export async function renderFromCli(values: Values, io: CliIO, opts: { quiet?: boolean } = {}): Promise<RenderResult | number> {
  let result: RenderResult;
  const options = renderOptionsFrom(values, io);
  const { renderStack } = await loadRender();
  try {
    result = await withProgress(io, `rendering stack ${options.stack}`, () => renderStack(options));
  } catch (e) {
    if (isUserError(e)) throw e;
    // index.ts turns the program's UserErrors into a RunError: print it the same way.
    const pulumi = await lazy(() => require("@pulumi/pulumi") as typeof import("@pulumi/pulumi"), () => import("@pulumi/pulumi"));
    if (pulumi.RunError.isInstance(e as Error) || (e instanceof Error && e.name === "RunError")) {
      io.stderr(`${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
  if (opts.quiet) return result;
  // Notes say what render had to assume; --quiet keeps only results and problems.
  if (!io.quiet) for (const note of result.notes) io.stderr(`note: ${note}\n`);
  for (const log of result.logs) if (log.severity === "warning" || log.severity === "error") io.stderr(`${log.severity}: ${log.message}\n`);
  return result;
}

async function writeOrReport(result: RenderResult, out: string, io: CliIO): Promise<number | undefined> {
  const { SecretLeakError, writeRender } = await loadRender();
  try {
    writeRender(result, out, displayPath(out, io.cwd));
    return undefined;
  } catch (e) {
    if (e instanceof SecretLeakError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export { writeOrReport };
