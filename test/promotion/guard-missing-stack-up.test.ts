// The upstream stack does not exist (or this token cannot see it): `pulumi up` stops with the
// guard's message, not the engine's error, and declares nothing.
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { shortRevision } from "../../src/promotion";
import { beyondTheGuard, exampleRevision, runGuarded, UPSTREAM } from "./helpers";

it("refuses, naming the unreadable stack, the backend's reason and what to do, and declares nothing", async () => {
  const run = await runGuarded({ upstreamOutputs: "missing" });
  expect(isUserError(run.error)).toBe(true);
  const message = (run.error as Error).message;
  expect(message).toContain("Pulumi.prod.yaml: image-factory:promotion.from:");
  expect(message).toContain(`cannot read stack ${UPSTREAM} (unknown stack "${UPSTREAM}")`);
  expect(message).toContain(`estate revision ${shortRevision(exampleRevision())}`);
  expect(message).toContain(`pulumi up --stack ${UPSTREAM}`);
  expect(beyondTheGuard(run.recorded)).toEqual([]);
});
