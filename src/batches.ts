/**
 * Declaring resources in batches. A component that declares tens of thousands of children in
 * one go makes the Pulumi SDK serialize and register all of them at once: every request is
 * alive at the same time, and memory and garbage collection grow faster than the estate.
 * Declaring a batch, then letting its registrations finish before the next, keeps the peak to
 * one batch. Small estates fit in the first batch and are declared synchronously.
 */

/** Resources a component declares before it lets their registrations finish. */
export const DECLARE_BATCH = 500;

/**
 * Runs `steps` (each declares resources) in batches of `size`: the first batch now, each next
 * one after the event loop has drained the registrations of the last. The promise settles when
 * every step has run, and rejects with the first step that throws.
 */
export function declareInBatches(steps: ReadonlyArray<() => void>, size: number = DECLARE_BATCH): Promise<void> {
  let next = 0;
  const runBatch = () => {
    const end = Math.min(steps.length, next + size);
    while (next < end) steps[next++]();
  };
  runBatch();
  if (next >= steps.length) return Promise.resolve();
  return (async () => {
    while (next < steps.length) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      runBatch();
    }
  })();
}
