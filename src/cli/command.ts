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

/** The embedded example estate, the default input of every command. */
export const EXAMPLE_IMAGES = path.join(PACKAGE_ROOT, "examples", "estate", "images.yaml");
export const EXAMPLE_SOURCES = path.join(PACKAGE_ROOT, "examples", "estate", "sources");

/** A path for messages: relative to cwd when inside it, as given otherwise. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}
