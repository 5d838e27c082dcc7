// GitOps delivery: Argo CD applies the committed manifest as soon as it lands, so the commit
// waits for everything the objects use: the credential Secrets, their namespace, and the
// workflow files the rebuild Stages dispatch.
import { beforeAll, expect, it } from "vitest";
import { type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { readProjectFile, readStackValues } from "../../src/render/stack-files";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
let resources: RecordedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const values = readStackValues(readProjectFile(ROOT), { projectDir: ROOT, stack: "prod" });
  const { defineImageFactory } = await import("../../src/program");
  ({ resources, outputs } = await runUnderMocks({
    project: "image-factory",
    stack: "prod",
    config: values.config,
    secretKeys: values.secretKeys,
    // The upstream is not read here: this is a preview, where the guard only warns.
    stackOutputs: { "acme/image-factory/dev": {} },
    preview: true,
    program: () => defineImageFactory({ projectDir: ROOT }),
  }));
});

it("commits the manifest only after every Secret, the namespace and every dispatched workflow file", () => {
  const manifest = resources.find((r) => r.type === "github:index/repositoryFile:RepositoryFile" && String(r.inputs.file).startsWith("clusters/prod/kargo/"))!;
  const secrets = resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
  const namespace = resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
  expect(secrets.length).toBeGreaterThanOrEqual(2);
  for (const s of secrets) expect(manifest.dependencies, s.name).toContain(s.urn);
  expect(manifest.dependencies).toContain(namespace.urn);
  const workflowFiles = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile" && String(r.inputs.file).startsWith(".github/workflows/"));
  expect(workflowFiles.length).toBe(Object.keys(outputs.workflowFiles as object).length);
  expect(workflowFiles.length).toBeGreaterThan(0);
  for (const f of workflowFiles) expect(manifest.dependencies, f.name).toContain(f.urn);
});
