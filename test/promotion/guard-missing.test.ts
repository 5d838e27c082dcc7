// Upstream exports no revision (never applied, or older than promotion): `pulumi up` stops.
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { beyondTheGuard, runGuarded, UPSTREAM } from "./helpers";

it("refuses when the upstream stack exports no estateRevision, and declares nothing", async () => {
  const run = await runGuarded({ upstreamOutputs: { kargoProject: "image-factory" } });
  expect(isUserError(run.error)).toBe(true);
  expect((run.error as Error).message).toContain(`stack ${UPSTREAM} has not applied estate revision`);
  expect((run.error as Error).message).toContain("it exports no estateRevision");
  expect(beyondTheGuard(run.recorded)).toEqual([]);
});
