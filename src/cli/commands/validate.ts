import * as path from "node:path";
import { formatProblem, isUserError, type Problem, UserError } from "../../config/errors";
import { loadImagesFile } from "../../config/images";
import { factoryDefinedBuild, sourceKey } from "../../config/source";
import { checkBuildOwners } from "../../build-owners";
import { CONFIG_NAMESPACE } from "../../config/stack";
import type { PreparedStack } from "../../stack";
import { type CliIO, type Command, displayPath, lazy, paint, UsageError } from "../command";
import { analyzeCommandFor, checkLock, type LockCheck, localSourceRoot, readStackInputs } from "../stack-inputs";
import { COMMAND_HELP } from "../help";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check a stack (or an images.yaml) and report every problem at once",
  help: COMMAND_HELP.validate,
  options: {
    images: { type: "string" },
    stack: { type: "string", multiple: true },
    config: { type: "string", multiple: true },
    "source-root": { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values }, io) {
    const json = values.json === true;
    if (typeof values.images === "string") {
      for (const option of ["stack", "config", "source-root"]) {
        if (values[option] !== undefined) throw new UsageError(`--images and --${option} do not go together: --images checks one file outside any stack`);
      }
      const file = path.resolve(io.cwd, values.images);
      const shown = displayPath(file, io.cwd);
      let parsed;
      try {
        parsed = loadImagesFile(file, shown);
      } catch (e) {
        if (json && isUserError(e)) return printJson(io, [], e.problems);
        throw e;
      }
      const repos = new Set(parsed.images.map((i) => sourceKey(i.source)));
      // One generated workflow per source repository and branch.
      const generated = new Set(parsed.images.filter((i) => i.source.generatedWorkflow).map((i) => `${i.source.repo.toLowerCase()}\0${i.source.branch}`)).size;
      const summary = {
        file: shown,
        images: parsed.images.length,
        repositories: repos.size,
        generatedWorkflows: generated,
        declaredBases: parsed.bases.length,
      };
      if (json) return printJson(io, [summary], []);
      io.stdout(
        `${shown}: valid: ${plural(parsed.images.length, "image")} in ${plural(repos.size, "repository", "repositories")}, ` +
          `${plural(generated, "generated workflow")}, ${plural(parsed.bases.length, "declared base")}\n`,
      );
      ownWorkflowScanNote(parsed.images, io);
      return 0;
    }

    const names = (values.stack as string[] | undefined) ?? [undefined];
    const overrides = (values.config as string[] | undefined) ?? [];
    const results: StackResult[] = [];
    const problems: Problem[] = [];
    for (const name of names) {
      try {
        results.push(await validateStack(name, overrides, values["source-root"], io));
      } catch (e) {
        if (!isUserError(e)) throw e;
        problems.push(...e.problems);
      }
    }
    try {
      checkBuildOwners(results.map((r) => r.prepared));
    } catch (e) {
      if (!isUserError(e)) throw e;
      problems.push(...e.problems);
    }
    for (const r of results) {
      if (r.lock.status === "stale" || r.lock.status === "missing") {
        problems.push({ file: r.lock.file, message: `${r.lock.status === "stale" ? "stale: a Dockerfile changed since it was written" : "not found"}; run \`${analyzeCommandFor(r.stack)}\` and commit it` });
      }
      problems.push(...r.lock.problems);
    }
    if (json) return printJson(io, results.map(jsonOf), problems);
    for (const r of results) {
      io.stdout(`${r.summary.replace(": valid:", `: ${paint(io, "green", "valid")}:`)}\n`);
      if (!io.quiet && r.lock.status === "unchecked") io.stderr(`note: ${r.lock.file} was not checked against the Dockerfiles: ${r.lock.reason}\n`);
      ownWorkflowScanNote(r.prepared.estate.images.map((i) => i.spec), io);
    }
    if (problems.length > 0) {
      for (const r of results) if (r.lock.status === "stale" && !io.quiet) io.stderr(r.lock.patch ?? "");
      const sorted = new UserError(problems).problems;
      io.stderr(`${sorted.map(formatProblem).join("\n")}\n`);
      io.stderr(`${paint(io, "red", `${sorted.length} problem${sorted.length === 1 ? "" : "s"} found.`)}\n`);
      return 1;
    }
    return 0;
  },
};

interface StackResult {
  stack: string;
  summary: string;
  configFile: string;
  overlay?: string;
  enrolled: number;
  listed: number;
  bases: number;
  kargoObjects: number;
  delivery: string;
  builds: string;
  lock: LockCheck;
  /** What the cross-stack check of build owners reads. */
  prepared: Pick<PreparedStack, "configFile" | "settings" | "estate">;
}

/** Checks one stack; returns its summary or throws a UserError. */
async function validateStack(name: string | undefined, overrides: readonly string[], sourceRoot: unknown, io: CliIO): Promise<StackResult> {
  const inputs = readStackInputs(name, overrides, io);
  // The stack's checks pull in the components (and Pulumi's SDK): loaded only when used.
  const { prepareStack } = await lazy(() => require("../../stack") as typeof import("../../stack"), () => import("../../stack"));
  const { tokenHosts } = await lazy(() => require("../../config/pulumi-config") as typeof import("../../config/pulumi-config"), () => import("../../config/pulumi-config"));
  const registryTokenHosts = tokenHosts(inputs.config[`${CONFIG_NAMESPACE}:registryTokens`], inputs.configFile);
  const prepared = prepareStack(inputs.settings, {
    projectDir: inputs.projectDir,
    stack: inputs.stack,
    registryTokenHosts,
    hasKubeconfig: inputs.config[`${CONFIG_NAMESPACE}:kubeconfig`] !== undefined,
    hasGitlabToken: inputs.config[`${CONFIG_NAMESPACE}:gitlabToken`] !== undefined,
    config: inputs.config,
  });
  const root = localSourceRoot(sourceRoot, inputs.settings.imagesPath, io);
  const lock = await checkLock(prepared.imagesFile, inputs.settings.stateDir, root, io);
  const overlay = prepared.overlay ? ` with ${prepared.overlay.file}` : "";
  const summary =
    `${prepared.configFile}${overlay}: valid: ${prepared.estate.images.length} of ${plural(prepared.imagesFile.images.length, "image")} enrolled, ` +
    `${plural(prepared.estate.bases.length, "watched base")}, ${plural(prepared.kargoPlan.objects.length, "Kargo object")}, ` +
    `delivery ${prepared.settings.delivery.mode}, builds ${prepared.settings.builds}` +
    (prepared.kargoOptions.notifications ? `, notifies ${prepared.kargoOptions.notifications.events.join(", ") || "nothing (muted)"}` : "") +
    (lock.status === "fresh" ? ", lock up to date with the Dockerfiles" : "");
  return {
    stack: inputs.stack,
    summary,
    configFile: prepared.configFile,
    ...(prepared.overlay ? { overlay: prepared.overlay.file } : {}),
    enrolled: prepared.estate.images.length,
    listed: prepared.imagesFile.images.length,
    bases: prepared.estate.bases.length,
    kargoObjects: prepared.kargoPlan.objects.length,
    delivery: prepared.settings.delivery.mode,
    builds: prepared.settings.builds,
    lock,
    prepared,
  };
}

function jsonOf(r: StackResult): Record<string, unknown> {
  const { summary: _summary, lock, prepared: _prepared, ...rest } = r;
  return { ...rest, lock: { file: lock.file, status: lock.status, ...(lock.reason ? { reason: lock.reason } : {}), ...(lock.status === "stale" || lock.status === "missing" ? { command: analyzeCommandFor(r.stack) } : {}) } };
}

function printJson(io: CliIO, results: unknown[], problems: Problem[]): number {
  const valid = problems.length === 0;
  io.stdout(`${JSON.stringify({ valid, ...(results.length ? { [Object.prototype.hasOwnProperty.call(results[0], "stack") ? "stacks" : "files"]: results } : {}), problems })}\n`);
  return valid ? 0 : 1;
}

/** The generated workflow's security scan does not reach images built by workflows of their own: say so. */
function ownWorkflowScanNote(images: ReadonlyArray<{ name: string; source: { provider: "github" | "gitlab"; generatedWorkflow: boolean } }>, io: CliIO): void {
  const own = images.filter((i) => !factoryDefinedBuild(i.source)).map((i) => i.name).sort();
  if (io.quiet || own.length === 0) return;
  const shown = own.length > 10 ? `${own.slice(0, 10).join(", ")} and ${own.length - 10} more` : own.join(", ");
  io.stderr(`note: ${shown} ${own.length === 1 ? "is" : "are"} built by a workflow of ${own.length === 1 ? "its" : "their"} own: scanning those builds is that workflow's job (images.yaml scan applies to generated workflows and to image-factory rescan)\n`);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
