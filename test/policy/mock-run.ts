// Runs the program for a stack under mocks, with the config the stack file gives it, and
// returns what the analyzer would see.
import * as path from "node:path";
import { runUnderMocks } from "../../src/render/mock-runtime";
import { readProjectFile, readStackValues } from "../../src/render/stack-files";
import { fromRecorded, type Resource } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

export async function stackResources(stack: string): Promise<Resource[]> {
  const project = readProjectFile(ROOT);
  const values = readStackValues(project, { projectDir: ROOT, stack });
  const { defineImageFactory } = await import("../../src/program");
  const { resources } = await runUnderMocks({
    project: project.name,
    stack,
    config: values.config,
    secretKeys: values.secretKeys,
    // The promotion guard (when wired) reads the upstream: it has applied nothing here.
    stackOutputs: { "acme/image-factory/dev": {} },
    preview: true,
    program: () => defineImageFactory({ projectDir: ROOT }),
  });
  return resources.map(fromRecorded);
}
