// The policies over what the program declares for the prod stack (GitOps delivery): the
// Kargo objects are inside the manifest files committed to the state repository.
import { beforeAll, expect, it } from "vitest";
import { criticalResourcesProtected, kargoDurationsValid, kargoProjectDeclared, manifestObjects, repositoryFilesScoped, secretsAreSecret } from "../../policy/policies";
import { checkResources, checkStack, type Resource } from "./helpers";
import { stackResources } from "./mock-run";

let resources: Resource[];
beforeAll(async () => {
  resources = await stackResources("prod");
});

it("finds the Kargo objects in the committed manifest file", () => {
  const objects = resources.flatMap((r) => manifestObjects(r));
  expect(objects.some((o) => o.kind === "Project")).toBe(true);
  expect(objects.filter((o) => o.kind === "Warehouse").length).toBeGreaterThan(0);
  expect(resources.some((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Project")).toBe(false);
});

it("passes the secret, duration, project and file policies", async () => {
  expect(await checkResources(secretsAreSecret, resources)).toEqual([]);
  expect(await checkResources(criticalResourcesProtected, resources)).toEqual([]);
  expect(await checkResources(kargoDurationsValid, resources)).toEqual([]);
  expect(await checkStack(kargoProjectDeclared, resources)).toEqual([]);
  expect(await checkStack(repositoryFilesScoped, resources)).toEqual([]);
});

it("fails the file policy when the Argo CD Application syncs another folder", async () => {
  const moved = resources.map((r) =>
    r.type === "kubernetes:argoproj.io/v1alpha1:Application" ? { ...r, props: { ...r.props, spec: { ...(r.props.spec as object), source: { path: "elsewhere" } } } } : r,
  );
  const found = await checkStack(repositoryFilesScoped, moved);
  // Every committed manifest file: project.yaml, shared.yaml and one per source repository.
  expect(found.length).toBeGreaterThan(2);
  for (const f of found) expect(f).toMatch(/clusters\/prod\/kargo\/(project|shared|repos\/[^,]+)\.yaml, outside \.github\/workflows\/ and the GitOps folders \(elsewhere\)/);
  expect(found.some((f) => f.includes("clusters/prod/kargo/project.yaml,"))).toBe(true);
});
