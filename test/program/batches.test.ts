// Declaring in batches: the first batch at once, the rest after the event loop drains, in
// order, and nothing lost when the program awaits the result under Pulumi's mock runtime.
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
