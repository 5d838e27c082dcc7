// A stack that names no cluster is a config error, raised before anything is declared.
import { beforeAll, expect, it } from "vitest";
import { formatProblem, isUserError } from "../../src/config/errors";
import { type ProgramRun, runProgram } from "./helpers";

let run: ProgramRun;
beforeAll(async () => {
  // The default provider's key: the program's explicit provider never reads it.
  run = await runProgram("dev", { "kubernetes:context": "kind-dev" });
});

it("refuses, naming the stack file and both keys, and says the default provider's key does not count", () => {
  expect(isUserError(run.error)).toBe(true);
  const problems = (run.error as { problems: Parameters<typeof formatProblem>[0][] }).problems;
  expect(problems).toHaveLength(1);
  expect(problems[0].file).toBe("Pulumi.dev.yaml");
  expect(problems[0].field).toBe("image-factory:kubernetes.context");
  expect(problems[0].message).toContain("image-factory:kubeconfig");
  expect(problems[0].message).toContain("kubernetes:context is set, but it configures only Pulumi's default Kubernetes provider");
});

it("declares nothing, not even a provider", () => {
  expect(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
});
