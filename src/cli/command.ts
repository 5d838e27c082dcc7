/**
 * The shape every CLI command has. Commands parse their own options with node's
 * util.parseArgs and write only through `io`, so tests can run them in-process.
 */
import * as path from "node:path";

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The folder relative paths are resolved against. */
  cwd: string;
  /** Whether stderr is an interactive terminal (for progress displays). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** --quiet: no progress, notes or summaries; results and problems are still printed. */
  quiet?: boolean;
  /** The terminal's width in columns, when stdout is one (tables are fitted to it). */
  columns?: number;
  /** Whether stdout is an interactive terminal that shows colour (and NO_COLOR is unset). */
  color?: boolean;
}

export type OptionSpec = { type: "string" | "boolean"; multiple?: boolean; short?: string };

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full --help text. */
  help: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }, io: CliIO): Promise<number>;
}

/** A mistake in how the command was called: exit code 2 with a hint to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The root of the installed package (where the example estate and Pulumi.yaml live). */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");

/** The environment variable that names the stack commands use when --stack is not given. */
export const STACK_ENV = "IMAGE_FACTORY_STACK";
export const FALLBACK_STACK = "dev";

/** The stack a command works on: --stack, else $IMAGE_FACTORY_STACK, else dev. */
export function defaultStack(io: Pick<CliIO, "env">): string {
  return io.env[STACK_ENV] || FALLBACK_STACK;
}

/** The folder beside images.yaml that holds local checkouts (<owner>/<repo>/...), as in the example. */
export const SOURCES_FOLDER = "sources";

export { displayPath } from "../config/display-path";

/**
 * Loads a module when a command runs rather than when the CLI starts, so that --help and
 * --version do not pay for Pulumi's SDK. Under the CLI, tsx's require hook compiles
 * TypeScript for require() only; under vitest only import() is transformed.
 */
export function lazy<T>(viaRequire: () => T, viaImport: () => Promise<T>): Promise<T> {
  const hasTsHook = typeof require !== "undefined" && require.extensions !== undefined && ".ts" in require.extensions;
  return hasTsHook ? Promise.resolve(viaRequire()) : viaImport();
}

/** Whether to colour output: both streams are terminals, NO_COLOR (https://no-color.org) is unset or empty, TERM is not dumb. */
export function colorEnabled(env: Record<string, string | undefined>, stdoutTTY: boolean, stderrTTY: boolean): boolean {
  return stdoutTTY && stderrTTY && !env.NO_COLOR && env.TERM !== "dumb";
}

const COLORS = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

/** `text` in a colour when the io shows colour; unchanged otherwise. */
export function paint(io: Pick<CliIO, "color">, color: keyof typeof COLORS, text: string): string {
  return io.color ? `\u001b[${COLORS[color]}m${text}\u001b[0m` : text;
}

/**
 * A one-line progress display on stderr while `work` runs, on a terminal only (and not with
 * --quiet): the step and the seconds elapsed, redrawn each second and cleared at the end.
 */
export async function withProgress<T>(io: Pick<CliIO, "isTTY" | "quiet" | "stderr">, label: string, work: () => Promise<T>, tick = 1000): Promise<T> {
  if (!io.isTTY || io.quiet) return work();
  const started = Date.now();
  const draw = () => io.stderr(`\r\u001b[2K${label}… ${Math.round((Date.now() - started) / 1000)}s`);
  draw();
  const timer = setInterval(draw, tick);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    io.stderr("\r\u001b[2K");
  }
}
