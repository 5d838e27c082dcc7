// The upstream's side of the guard when its update succeeds: the stack registers the new
// estateRevision, which a promoting stack then accepts (guard-applied.test.ts).
import { beforeAll, expect, it } from "vitest";
import { runUnderMocks } from "../../src/render/mock-runtime";
import { exampleRevision, ROOT } from "./helpers";
import { exampleStackConfig } from "../helpers/example-stack";

let registered: Array<{ urn: string; outputs: Record<string, unknown> | undefined }>;
let outputs: Record<string, unknown>;

beforeAll(async () => {
  registered = [];
  const { defineImageFactory } = await import("../../src/program");
  ({ outputs } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    config: exampleStackConfig("dev"),
    secretKeys: ["image-factory:githubToken"],
    registeredOutputs: registered,
    program: () => defineImageFactory({ projectDir: ROOT }),
  }));
});

it("registers the new estateRevision on the stack once every resource is registered", () => {
  const stack = registered.filter((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
  expect(stack).toHaveLength(1);
  expect(stack[0].outputs?.estateRevision).toBe(exampleRevision());
  expect(outputs.estateRevision).toBe(exampleRevision());
});
