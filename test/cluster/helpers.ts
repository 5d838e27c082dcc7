// The program run under mocks with a stack config, for the cluster and provider tests.
import * as path from "node:path";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";

export const ROOT = path.resolve(__dirname, "..", "..");
export const K8S_PROVIDER = "pulumi:providers:kubernetes";

export interface ProgramRun {
  resources: RecordedResource[];
  error?: unknown;
}

/** One run of the example estate as `stack` (once per test file: Pulumi's runtime is per process). */
export async function runProgram(stack: string, config: Record<string, string>, secretKeys: string[] = []): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const { defineImageFactory } = await import("../../src/program");
  try {
    await runUnderMocks({
      project: "image-factory",
      stack,
      config: { "image-factory:images": "examples/estate/images.yaml", "image-factory:githubToken": "token-value-for-tests", ...config },
      secretKeys: ["image-factory:githubToken", ...secretKeys],
      recorder: resources,
      program: () => defineImageFactory({ projectDir: ROOT }),
    });
    return { resources };
  } catch (error) {
    return { resources, error };
  }
}

/** Every Kubernetes resource and the provider URN it names. */
export function kubernetesResources(resources: readonly RecordedResource[]): RecordedResource[] {
  return resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
}

export function providerUrnOf(r: RecordedResource): string | undefined {
  const ref = r.provider;
  return ref ? ref.slice(0, ref.lastIndexOf("::")) : undefined;
}
