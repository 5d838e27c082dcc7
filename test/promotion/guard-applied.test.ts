// Upstream has applied the same revision: `pulumi up` proceeds and declares the estate.
import { expect, it } from "vitest";
import { beyondTheGuard, exampleRevision, runGuarded, UPSTREAM } from "./helpers";

it("declares the estate when the upstream stack exports the same estateRevision", async () => {
  const run = await runGuarded({ upstreamOutputs: { estateRevision: exampleRevision() } });
  expect(run.error).toBeUndefined();
  const declared = beyondTheGuard(run.recorded);
  expect(declared.some((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Project")).toBe(true);
  expect(declared.length).toBeGreaterThan(10);
  expect(run.logs.filter((l) => l.severity === "warning")).toEqual([]);
  expect(run.logs.map((l) => l.message).join("\n")).toContain(`promotion: ${UPSTREAM} has applied estate revision`);
});
