// Upstream has applied another revision: `pulumi up` stops before declaring anything.
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { shortRevision } from "../../src/promotion";
import { beyondTheGuard, exampleRevision, runGuarded, UPSTREAM } from "./helpers";

it("refuses, naming both revisions and what to do, and declares nothing", async () => {
  const other = `sha256:${"0123456789ab".repeat(5)}abcd`;
  const run = await runGuarded({ upstreamOutputs: { estateRevision: other } });
  expect(isUserError(run.error)).toBe(true);
  const message = (run.error as Error).message;
  expect(message).toContain("Pulumi.prod.yaml: image-factory:promotion.from:");
  expect(message).toContain(`stack ${UPSTREAM} has not applied estate revision ${shortRevision(exampleRevision())}`);
  expect(message).toContain(`it has applied ${shortRevision(other)}`);
  expect(message).toContain(`pulumi up --stack ${UPSTREAM}`);
  expect(beyondTheGuard(run.recorded)).toEqual([]);
});
