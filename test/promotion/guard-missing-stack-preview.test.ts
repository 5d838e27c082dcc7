// A preview of a stack whose upstream does not exist yet warns and shows the whole diff.
// A StackReference could not do this: it is a read step, and read steps run during previews
// (pulumi/pulumi pkg/resource/deploy/step.go, ReadStep.Apply), so the engine would fail the
// preview on the unknown stack. The guard calls pulumi:pulumi:readStackOutputs instead, whose
// failure only fails the call (source_eval.go, resmon.Invoke).
import { beforeAll, expect, it } from "vitest";
import { beyondTheGuard, type GuardedRun, runGuarded, UPSTREAM } from "./helpers";

let run: GuardedRun;
beforeAll(async () => {
  run = await runGuarded({ upstreamOutputs: "missing", preview: true });
});

it("warns with the guard's message and still declares the estate", () => {
  expect(run.error).toBeUndefined();
  const warnings = run.logs.filter((l) => l.severity === "warning").map((l) => l.message);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(`cannot read stack ${UPSTREAM} (unknown stack "${UPSTREAM}")`);
  expect(warnings[0]).toContain("`pulumi up` will refuse");
  expect(beyondTheGuard(run.recorded).some((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Project")).toBe(true);
});

it("registers no StackReference, so no read step can fail the preview", () => {
  expect(run.recorded.filter((r) => r.type === "pulumi:pulumi:StackReference")).toEqual([]);
});
