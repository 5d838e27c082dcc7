// GitOps delivery: Argo CD applies the committed manifests as soon as they land, so each
// commit waits for everything the objects use: the credential Secrets, their namespace, and the
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

it("commits every manifest file only after every Secret, the namespace and every dispatched workflow file", () => {
  const manifests = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile" && String(r.inputs.file).startsWith("clusters/prod/kargo/"));
  expect(manifests.length).toBeGreaterThan(0);
  const secrets = resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
  const namespace = resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
  expect(secrets.length).toBeGreaterThanOrEqual(2);
  const workflowFiles = resources.filter((r) => r.type === "github:index/repositoryFile:RepositoryFile" && String(r.inputs.file).startsWith(".github/workflows/"));
  // One generated workflow per repository and branch.
  expect(workflowFiles.length).toBe(new Set(Object.values(outputs.workflowFiles as Record<string, string>)).size);
  expect(workflowFiles.length).toBeGreaterThan(0);
  for (const manifest of manifests) {
    for (const s of secrets) expect(manifest.dependencies, s.name).toContain(s.urn);
    expect(manifest.dependencies).toContain(namespace.urn);
    for (const f of workflowFiles) expect(manifest.dependencies, f.name).toContain(f.urn);
  }
});
