/**
 * The image-factory CLI. Works with no credentials: every command reads local files,
 * and render/plan run the Pulumi program under Pulumi's mock runtime.
 */
import { parseArgs } from "node:util";
import { formatProblem, isUserError } from "../config/errors";
import { type CliIO, type Command, UsageError } from "./command";
import { analyzeCommand } from "./commands/analyze";
import { planCommand } from "./commands/plan";
import { renderCommand } from "./commands/render";
import { validateCommand } from "./commands/validate";

export const COMMANDS: Command[] = [validateCommand, analyzeCommand, renderCommand, planCommand];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: image-factory <command> [options]

Keeps container images rebuilt on fresh bases. Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run \`image-factory <command> --help\` for a command's options.`;
}

export function defaultIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}

/** Runs the CLI and returns the exit code: 0 ok, 1 bad input or failed check, 2 usage error. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io[name === undefined ? "stderr" : "stdout"](`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`image-factory: unknown command "${name}"\n\n${topHelp()}\n`);
    return 2;
  }
  try {
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(`${command.help}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: command.positionals ?? false, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
    }
    return await command.run({ values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals }, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`image-factory ${command.name}: ${e.message}\nRun \`image-factory ${command.name} --help\` for usage.\n`);
      return 2;
    }
    if (isUserError(e)) {
      io.stderr(`${e.problems.map(formatProblem).join("\n")}\n`);
      io.stderr(`${e.problems.length} problem${e.problems.length === 1 ? "" : "s"} found.\n`);
      return 1;
    }
    throw e;
  }
}
