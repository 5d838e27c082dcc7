// The policies over what the program declares for the dev stack (direct delivery, the canary
// of prod: it commits no workflow file; prod's policy test covers the files).
import { beforeAll, expect, it } from "vitest";
import { criticalResourcesProtected, kargoDurationsValid, kargoProjectDeclared, repositoryFilesScoped, secretsAreSecret } from "../../policy/policies";
import { checkResources, checkStack, type Resource } from "./helpers";
import { stackResources } from "./mock-run";

let resources: Resource[];
beforeAll(async () => {
  resources = await stackResources("dev");
});

it("declares Kargo objects and Secrets for the policies to check, and no workflow file", () => {
  const types = new Set(resources.map((r) => r.type));
  for (const t of ["kubernetes:kargo.akuity.io/v1alpha1:Warehouse", "kubernetes:kargo.akuity.io/v1alpha1:Stage", "kubernetes:core/v1:Secret"]) {
    expect(types).toContain(t);
  }
  expect(types).not.toContain("github:index/repositoryFile:RepositoryFile");
});

it("passes the secret, duration, project and file policies", async () => {
  expect(await checkResources(secretsAreSecret, resources)).toEqual([]);
  expect(await checkResources(kargoDurationsValid, resources)).toEqual([]);
  expect(await checkStack(kargoProjectDeclared, resources)).toEqual([]);
  expect(await checkStack(repositoryFilesScoped, resources)).toEqual([]);
});

it("passes the protection policy: the program protects the Project and github-credentials", async () => {
  const critical = resources.filter(
    (r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Project" || (r.type === "kubernetes:core/v1:Secret" && (r.props.metadata as { name?: string }).name === "github-credentials"),
  );
  expect(critical).toHaveLength(2);
  expect(critical.every((r) => r.protect)).toBe(true);
  expect(await checkResources(criticalResourcesProtected, resources)).toEqual([]);
  // Without protect each is reported, unless the override is set.
  const unprotected = resources.map((r) => (critical.includes(r) ? { ...r, protect: false } : r));
  expect(await checkResources(criticalResourcesProtected, unprotected)).toHaveLength(2);
  expect(await checkResources(criticalResourcesProtected, unprotected, { allowUnprotected: true })).toEqual([]);
});

it("catches a broken duration in what the program declares", async () => {
  const broken = resources.map((r) => (r.type.endsWith(":Warehouse") ? { ...r, props: { ...r.props, spec: { ...(r.props.spec as object), interval: "1d" } } } : r));
  expect((await checkResources(kargoDurationsValid, broken)).length).toBe(resources.filter((r) => r.type.endsWith(":Warehouse")).length);
});
