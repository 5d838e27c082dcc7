// The promotion guard as the program runs it: a stack whose config names promotion.from.
import * as path from "node:path";
import { readLock } from "../../src/analysis/lock";
import { loadImagesFile } from "../../src/config/images";
import { type LogRecord, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { estateRevision, programFingerprint } from "../../src/promotion";
import { exampleStackConfig } from "../helpers/example-stack";

export const ROOT = path.resolve(__dirname, "..", "..");
export const UPSTREAM = "acme/image-factory/dev";
const ESTATE = path.join(ROOT, "examples", "estate");

/** The example estate's revision, computed the way the program computes it. */
export function exampleRevision(): string {
  return estateRevision({
    imagesFile: loadImagesFile(path.join(ESTATE, "images.yaml")),
    lock: readLock(ESTATE),
    program: programFingerprint(ROOT),
  });
}

export interface GuardedRun {
  recorded: RecordedResource[];
  logs: LogRecord[];
  error?: unknown;
}

/**
 * One guarded program run of the example estate as stack prod (once per test file).
 * `upstreamOutputs` is what the upstream stack exports; "missing" makes it a stack the backend
 * does not know (reading it fails, as pulumi:pulumi:readStackOutputs does for an unknown stack).
 */
export async function runGuarded(opts: { upstreamOutputs: Record<string, unknown> | "missing"; preview?: boolean }): Promise<GuardedRun> {
  const recorded: RecordedResource[] = [];
  const logs: LogRecord[] = [];
  const { defineImageFactory } = await import("../../src/program");
  try {
    await runUnderMocks({
      project: "image-factory",
      stack: "prod",
      config: exampleStackConfig("prod", { "image-factory:promotion": JSON.stringify({ from: UPSTREAM }) }),
      secretKeys: ["image-factory:githubToken"],
      stackOutputs: opts.upstreamOutputs === "missing" ? {} : { [UPSTREAM]: opts.upstreamOutputs },
      preview: opts.preview ?? false,
      recorder: recorded,
      logs,
      program: () => defineImageFactory({ projectDir: ROOT }),
    });
    return { recorded, logs };
  } catch (error) {
    return { recorded, logs, error };
  }
}

/** What the guard itself may leave behind: the stack (it reads the upstream with a function call, no resource). */
export function beyondTheGuard(recorded: readonly RecordedResource[]): RecordedResource[] {
  return recorded.filter((r) => r.type !== "pulumi:pulumi:Stack");
}
