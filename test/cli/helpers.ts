import type { CliIO } from "../../src/cli/command";
import { main } from "../../src/cli/main";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function runCli(argv: string[], cwd: string = process.cwd(), env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, isTTY: false, env };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
