// Declaring in batches: the first batch at once, each next one only once the last batch's
// resources are registered (their URNs resolved), in order, and nothing lost when the program
// awaits the result under Pulumi's mock runtime.
import * as k8s from "@pulumi/kubernetes";
import { expect, it } from "vitest";
import { declareInBatches } from "../../src/batches";
import { runUnderMocks } from "../../src/render/mock-runtime";

it("runs the first batch synchronously and the rest later, in order", async () => {
  const ran: number[] = [];
  const steps = Array.from({ length: 7 }, (_, i) => () => void ran.push(i));
  const done = declareInBatches(steps, 3);
  expect(ran).toEqual([0, 1, 2]);
  await done;
  expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6]);
});

it("settles at once when everything fits in one batch", async () => {
  const ran: number[] = [];
  const done = declareInBatches([() => void ran.push(1), () => void ran.push(2)], 5);
  expect(ran).toEqual([1, 2]);
  await expect(done).resolves.toBeUndefined();
});

it("rejects with the error of a step in a later batch", async () => {
  const steps = [() => undefined, () => undefined, () => { throw new Error("step 3 failed"); }];
  await expect(declareInBatches(steps, 2)).rejects.toThrow("step 3 failed");
});

it("registers every resource of a large batched declaration once the program awaits it", async () => {
  const count = 1234;
  const { resources } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    program: async () => {
      const provider = new k8s.Provider("k8s", {});
      const steps = Array.from({ length: count }, (_, i) => () => new k8s.core.v1.ConfigMap(`cm-${i}`, { metadata: { name: `cm-${i}` } }, { provider }));
      await declareInBatches(steps, 100);
      return {};
    },
  });
  const names = resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap").map((r) => r.name);
  expect(new Set(names).size).toBe(count);
});

/**
 * A stand-in resource whose registration the test answers (resolve) or fails (reject). Its URN
 * offers only what the SDK's Output does for awaiting it (promise()).
 */
function pending(): { resource: { urn: { promise(): Promise<string> } }; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const urn = new Promise<string>((res, rej) => {
    resolve = () => res("urn:pulumi:dev::p::t::n");
    reject = rej;
  });
  urn.catch(() => undefined);
  return { resource: { urn: { promise: () => urn } }, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

// Under the engine a registration is answered when its step is done (pulumi/pulumi
// pkg/resource/deploy/source_eval.go, resmon.RegisterResource waits on the step's `done`):
// yielding to the event loop alone would let every batch out before the first is applied.
it("declares the next batch only once every resource of the last one is registered", async () => {
  const resources = Array.from({ length: 5 }, pending);
  const ran: number[] = [];
  const done = declareInBatches(resources.map((p, i) => () => (ran.push(i), p.resource)), 2);
  for (let i = 0; i < 5; i++) await tick();
  expect(ran).toEqual([0, 1]);
  resources[0].resolve();
  for (let i = 0; i < 5; i++) await tick();
  expect(ran).toEqual([0, 1]);
  resources[1].resolve();
  for (let i = 0; i < 5; i++) await tick();
  expect(ran).toEqual([0, 1, 2, 3]);
  resources[2].resolve();
  resources[3].resolve();
  await done;
  expect(ran).toEqual([0, 1, 2, 3, 4]);
});

it("stops, declaring nothing more, when a registration of the last batch fails", async () => {
  const resources = Array.from({ length: 4 }, pending);
  const ran: number[] = [];
  const done = declareInBatches(resources.map((p, i) => () => (ran.push(i), p.resource)), 2);
  resources[0].resolve();
  resources[1].reject(new Error("creating cm-1 failed"));
  await expect(done).rejects.toThrow("creating cm-1 failed");
  expect(ran).toEqual([0, 1]);
});
