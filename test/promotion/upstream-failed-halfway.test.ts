// The upstream's side of the guard: what a dev update that fails half-way leaves as dev's
// outputs. The engine keeps a failed update's old outputs and overwrites them with those the
// program registered (pulumi/pulumi pkg/resource/deploy/step_executor.go,
// executeRegisterResourceOutputs, finalizing with `errored`; pulumi/pulumi#15754), so the
// program must not register a new estateRevision unless every resource was applied.
// guard-differs.test.ts pins the other side: prod refuses a revision dev has not exported.
import * as path from "node:path";
import { beforeAll, expect, it } from "vitest";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { exampleRevision, ROOT } from "./helpers";
import { exampleStackConfig } from "../helpers/example-stack";

const OLD = `sha256:${"a".repeat(64)}`;
const FAILING = "kargo-stage-rebuild-uv";
let recorded: RecordedResource[];
let registered: Array<{ urn: string; outputs: Record<string, unknown> | undefined }>;
let error: unknown;

beforeAll(async () => {
  recorded = [];
  registered = [];
  const { defineImageFactory } = await import("../../src/program");
  try {
    await runUnderMocks({
      project: "image-factory",
      stack: "dev",
      config: exampleStackConfig("dev"),
      secretKeys: ["image-factory:githubToken"],
      recorder: recorded,
      registeredOutputs: registered,
      // One Stage's create fails, as a rejected apply does under the engine.
      failRegistration: (_type, name) => name === FAILING,
      program: () => defineImageFactory({ projectDir: path.resolve(ROOT) }),
    });
  } catch (e) {
    error = e;
  }
});

/** The engine's rule for a failed update: old outputs, overwritten by the registered ones. */
function outputsAfterFailedUpdate(old: Record<string, unknown>): Record<string, unknown> {
  const stack = registered.filter((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
  return { ...old, ...Object.assign({}, ...stack.map((r) => r.outputs ?? {})) };
}

it("fails the update", () => {
  expect(error).toBeDefined();
  expect(String(error)).toContain(FAILING);
});

it("declared the rest of the estate (the failure is half-way, not before the start)", () => {
  expect(recorded.some((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Project")).toBe(true);
  expect(recorded.filter((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Stage").length).toBeGreaterThan(5);
});

it("registers no new estateRevision on the stack, so dev keeps exporting the revision it last applied in full", () => {
  const stack = registered.filter((r) => r.urn.includes("::pulumi:pulumi:Stack::"));
  expect(stack.length).toBeGreaterThan(0);
  for (const r of stack) expect(r.outputs?.estateRevision).toBeUndefined();
  const after = outputsAfterFailedUpdate({ estateRevision: OLD });
  expect(after.estateRevision).toBe(OLD);
  expect(after.estateRevision).not.toBe(exampleRevision());
  expect(isSecretEnvelope(after.estateRevision)).toBe(false);
});
