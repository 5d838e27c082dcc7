// Runs the image-factory program under Pulumi's mock runtime for one stack config, and returns
// what it threw (undefined when it completed) and what it declared besides the stack itself.
import * as path from "node:path";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";

const ROOT = path.resolve(__dirname, "..", "..");

export async function runProgram(opts: {
  config: Record<string, string>;
  secretKeys: string[];
  /** Where the program looks for stacks/ and the default images.yaml (default: the repository). */
  projectDir?: string;
  stack?: string;
}): Promise<{ error: unknown; declared: RecordedResource[] }> {
  const recorded: RecordedResource[] = [];
  const { defineImageFactory } = await import("../../src/program");
  const error = await runUnderMocks({
    project: "image-factory",
    stack: opts.stack ?? "dev",
    config: opts.config,
    secretKeys: opts.secretKeys,
    recorder: recorded,
    program: () => defineImageFactory({ projectDir: opts.projectDir ?? ROOT }),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, declared: recorded.filter((r) => r.type !== "pulumi:pulumi:Stack") };
}
