/**
 * The image-factory CLI. Works with no credentials: every command reads local files,
 * and render/plan run the Pulumi program under Pulumi's mock runtime.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { formatProblem, isUserError } from "../config/errors";
import { type CliIO, type Command, colorEnabled, FALLBACK_STACK, lazy, PACKAGE_ROOT, paint, STACK_ENV, UsageError } from "./command";
import { COMMAND_HELP } from "./help";
import { closest } from "./suggest";

type CommandModule = Record<string, unknown>;

/**
 * The commands, each loaded only when it runs (or shows its help): the list and --version
 * load none of them. `summary` is each command's own (a test checks they agree).
 */
export const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Command> }> = [
  {
    name: "init",
    summary: "Write a starting images.yaml from the Dockerfiles in local checkouts",
    load: () => pick(lazy(() => require("./commands/init") as CommandModule, () => import("./commands/init")), "initCommand"),
  },
  {
    name: "validate",
    summary: "Check a stack (or an images.yaml) and report every problem at once",
    load: () => pick(lazy(() => require("./commands/validate") as CommandModule, () => import("./commands/validate")), "validateCommand"),
  },
  {
    name: "analyze",
    summary: "Find every image's base images and write images.lock.yaml",
    load: () => pick(lazy(() => require("./commands/analyze") as CommandModule, () => import("./commands/analyze")), "analyzeCommand"),
  },
  {
    name: "rescan",
    summary: "Rescan every image's newest published version and report what a rebuild on its current base would fix",
    load: () => pick(lazy(() => require("./commands/rescan") as CommandModule, () => import("./commands/rescan")), "rescanCommand"),
  },
  {
    name: "render",
    summary: "Write everything a stack declares (Kubernetes objects, GitHub files, resources) to a folder",
    load: () => pick(lazy(() => require("./commands/render") as CommandModule, () => import("./commands/render")), "renderCommand"),
  },
  {
    name: "plan",
    summary: "Summarize what a stack sets up, or what a change does, for review (no credentials needed)",
    load: () => pick(lazy(() => require("./commands/plan") as CommandModule, () => import("./commands/plan")), "planCommand"),
  },
];

async function pick(module: Promise<CommandModule>, name: string): Promise<Command> {
  return (await module)[name] as Command;
}

/** Options every command takes (listed in the top-level help). */
const GLOBAL_OPTIONS: Command["options"] = { quiet: { type: "boolean", short: "q" } };

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: image-factory <command> [options]

Keeps container images rebuilt on fresh bases. Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Options of every command:
  -q, --quiet    print only results and problems: no progress, notes or summaries
  -h, --help     show a command's help
  -V, --version  print image-factory's version

Environment: ${STACK_ENV} names the stack used when --stack is not given (default
${FALLBACK_STACK}); NO_COLOR turns colour off.

Run \`image-factory <command> --help\` for a command's options.`;
}

export function defaultIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    color: colorEnabled(process.env, Boolean(process.stdout.isTTY), Boolean(process.stderr.isTTY)),
  };
}

/** Runs the CLI and returns the exit code: 0 ok, 1 bad input or failed check, 2 usage error. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  // Global flags may come before the command.
  let start = 0;
  let quiet = false;
  while (argv[start] === "-q" || argv[start] === "--quiet") {
    quiet = true;
    start++;
  }
  const [name, ...rest] = argv.slice(start);
  if (name === "-V" || name === "--version" || name === "version") {
    io.stdout(`image-factory ${version()}\n`);
    return 0;
  }
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io[name === undefined ? "stderr" : "stdout"](`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const guess = closest(name, COMMANDS.map((c) => c.name));
    io.stderr(`image-factory: unknown command "${name}"${guess ? `: did you mean \`image-factory ${guess}\`?` : ""}\n\n${topHelp()}\n`);
    return 2;
  }
  // A command's help needs none of its modules.
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${COMMAND_HELP[entry.name as keyof typeof COMMAND_HELP]}\n`);
    return 0;
  }
  const command = await entry.load();
  try {
    const options = { ...GLOBAL_OPTIONS, ...command.options };
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options, allowPositionals: command.positionals ?? false, strict: true });
    } catch (e) {
      throw new UsageError(withSuggestion((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""), Object.keys(options)));
    }
    const { quiet: quietFlag, ...values } = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const runIO: CliIO = quiet || quietFlag === true ? { ...io, quiet: true } : io;
    return await command.run({ values, positionals: parsed.positionals }, runIO);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`image-factory ${command.name}: ${e.message}\nRun \`image-factory ${command.name} --help\` for usage.\n`);
      return 2;
    }
    if (isUserError(e)) {
      io.stderr(`${e.problems.map(formatProblem).join("\n")}\n`);
      io.stderr(`${paint(io, "red", `${e.problems.length} problem${e.problems.length === 1 ? "" : "s"} found.`)}\n`);
      return 1;
    }
    throw e;
  }
}

/** Adds "did you mean --images?" to node's "Unknown option '--imgs'". */
function withSuggestion(message: string, options: readonly string[]): string {
  const unknown = /Unknown option '--([^'=]+)'/.exec(message)?.[1];
  const guess = unknown === undefined ? undefined : closest(unknown, options);
  return guess ? `${message}: did you mean --${guess}?` : message;
}
