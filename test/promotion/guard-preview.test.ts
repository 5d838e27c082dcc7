// In a preview the same finding is a warning: PR previews of later stacks still show their diff.
import { expect, it } from "vitest";
import { beyondTheGuard, runGuarded, UPSTREAM } from "./helpers";

it("warns during a preview and still declares the estate", async () => {
  const run = await runGuarded({ upstreamOutputs: { estateRevision: `sha256:${"f".repeat(64)}` }, preview: true });
  expect(run.error).toBeUndefined();
  const warnings = run.logs.filter((l) => l.severity === "warning").map((l) => l.message);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(`stack ${UPSTREAM} has not applied estate revision`);
  expect(warnings[0]).toContain("`pulumi up` will refuse");
  expect(beyondTheGuard(run.recorded).some((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Project")).toBe(true);
});
