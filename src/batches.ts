/**
 * Declaring resources in batches. A component that declares tens of thousands of children in
 * one go makes the Pulumi SDK serialize and register all of them at once: every request is
 * alive at the same time, and memory and garbage collection grow faster than the estate.
 *
 * So a component declares a batch, then waits until every resource of that batch is
 * registered (its URN has resolved) before it declares the next. Under the real engine a
 * registration is answered only when its step is done (pulumi/pulumi
 * pkg/resource/deploy/source_eval.go, resmon.RegisterResource blocks on the step's `done`
 * channel), and the SDK resolves the URN from that answer (sdk/nodejs/runtime/resource.ts,
 * registerResource → resolveURN): waiting on URNs bounds what is outstanding to one batch
 * under the engine as under mocks. Yielding to the event loop would not: it returns long
 * before the engine answers. Small estates fit in the first batch and are declared at once.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Resources a component declares before it waits for their registrations. */
export const DECLARE_BATCH = 500;

/**
 * Runs `steps` (each declares a resource and returns it) in batches of `size`: the first batch
 * now, each next one once every resource the last batch returned is registered. The promise
 * settles when every step has run, and rejects with the first step that throws or the first
 * registration that fails (nothing after it is declared).
 */
export function declareInBatches(steps: ReadonlyArray<() => unknown>, size: number = DECLARE_BATCH): Promise<void> {
  let next = 0;
  const runBatch = (): unknown[] => {
    const end = Math.min(steps.length, next + size);
    const declared: unknown[] = [];
    while (next < end) declared.push(steps[next++]());
    return declared;
  };
  let last = runBatch();
  if (next >= steps.length) return Promise.resolve();
  return (async () => {
    while (next < steps.length) {
      await registered(last);
      last = runBatch();
    }
  })();
}

/** Settles when every resource among `values` is registered; rejects when one registration fails. */
export async function registered(values: readonly unknown[]): Promise<void> {
  await Promise.all(values.filter(isResource).map((r) => urnPromise(r)));
}

type OutputInternals = { promise(withUnknowns?: boolean): Promise<unknown> };

/** The URN of a resource as a promise: it rejects when the registration fails, where apply() would never run. */
export function urnPromise(resource: Pick<pulumi.Resource, "urn">): Promise<unknown> {
  return (resource.urn as unknown as OutputInternals).promise();
}

function isResource(value: unknown): value is Pick<pulumi.Resource, "urn"> {
  return typeof value === "object" && value !== null && "urn" in value && typeof (value as { urn?: { promise?: unknown } }).urn?.promise === "function";
}
