// The policies with hand-built analyzer arguments: each rule both ways.
import { describe, expect, it } from "vitest";
import {
  criticalResourcesProtected,
  kargoDurationsValid,
  kargoProjectDeclared,
  policies,
  repositoryFilesScoped,
  secretsAreSecret,
} from "../../policy/policies";
import { checkResources, checkStack, type Resource } from "./helpers";

const SECRET = "kubernetes:core/v1:Secret";
const secret = (name: string, extra: Partial<Resource> = {}): Resource => ({
  type: SECRET,
  name,
  props: { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "image-factory" }, stringData: { token: "t" } },
  additionalSecretOutputs: ["data", "stringData"],
  ...extra,
});
const project = (protect: boolean): Resource => ({ type: "kubernetes:kargo.akuity.io/v1alpha1:Project", props: { apiVersion: "kargo.akuity.io/v1alpha1", kind: "Project", metadata: { name: "image-factory" } }, protect });
const kargo = (kind: string, spec: Record<string, unknown>): Resource => ({
  type: `kubernetes:kargo.akuity.io/v1alpha1:${kind}`,
  props: { apiVersion: "kargo.akuity.io/v1alpha1", kind, metadata: { name: "x", namespace: "image-factory" }, spec },
});
const file = (path: string, content = "", repository = "platform"): Resource => ({ type: "github:index/repositoryFile:RepositoryFile", name: `f-${path}`, props: { repository, file: path, content } });
const application = (path: string): Resource => ({
  type: "kubernetes:argoproj.io/v1alpha1:Application",
  props: { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "image-factory", namespace: "argocd" }, spec: { source: { repoURL: "https://github.com/acme/state.git", path } } },
});

it("exports every policy once, each with a name, description and enforcement level", () => {
  expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
  for (const p of policies) {
    expect(p.name).toMatch(/^[a-z0-9-]+$/);
    expect(p.description.length).toBeGreaterThan(20);
    expect(p.enforcementLevel).toBe("mandatory");
  }
});

describe("kubernetes-secret-data-is-secret", () => {
  it("accepts a typed Secret whose data is marked secret", async () => {
    expect(await checkResources(secretsAreSecret, [secret("github-credentials")])).toEqual([]);
  });
  it("rejects a typed Secret whose stringData is not marked secret", async () => {
    expect(await checkResources(secretsAreSecret, [secret("s", { additionalSecretOutputs: [] })])).toEqual(["Secret image-factory/s: stringData is not marked secret (additionalSecretOutputs)"]);
  });
  it("rejects a Secret declared as a custom resource, and ignores other kinds", async () => {
    const viaCr: Resource = { type: "kubernetes:v1:Secret", props: { apiVersion: "v1", kind: "Secret", metadata: { name: "raw", namespace: "n" }, stringData: { a: "b" } } };
    const configMap: Resource = { type: "kubernetes:core/v1:ConfigMap", props: { kind: "ConfigMap", metadata: { name: "c" }, data: { a: "b" } } };
    expect(await checkResources(secretsAreSecret, [viaCr, configMap])).toEqual([
      "n/raw is declared as kubernetes:v1:Secret: declare Secrets with k8s.core.v1.Secret so Pulumi keeps their data secret",
    ]);
  });
});

describe("kargo-critical-resources-protected", () => {
  it("requires protect on the Project and the github-credentials Secret only", async () => {
    const found = await checkResources(criticalResourcesProtected, [project(false), secret("github-credentials"), secret("git-credentials"), kargo("Warehouse", {})]);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^the Kargo Project image-factory must be declared with protect: true/);
    expect(found[1]).toMatch(/^the github-credentials Secret image-factory\/github-credentials must be declared with protect: true/);
  });
  it("accepts them protected, or unprotected with the explicit override", async () => {
    expect(await checkResources(criticalResourcesProtected, [project(true), secret("github-credentials", { protect: true })])).toEqual([]);
    expect(await checkResources(criticalResourcesProtected, [project(false), secret("github-credentials")], { allowUnprotected: true })).toEqual([]);
  });
});

describe("kargo-project-declared", () => {
  it("accepts a stack that declares the Project, directly or in its GitOps manifest", async () => {
    expect(await checkStack(kargoProjectDeclared, [project(true)])).toEqual([]);
    const manifest = file("kargo/image-factory.yaml", "---\napiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata:\n  name: image-factory\n---\napiVersion: v1\nkind: List\n", "state");
    expect(await checkStack(kargoProjectDeclared, [manifest, { type: "image-factory:argocd:GitopsDelivery", props: {} }])).toEqual([]);
  });
  it("rejects a stack whose Project disappeared, unless the override is set", async () => {
    expect(await checkStack(kargoProjectDeclared, [secret("github-credentials")])).toEqual([
      "the stack declares no Kargo Project: applying it would delete the Project and everything in its namespace",
    ]);
    const gitops = [file("kargo/image-factory.yaml", "apiVersion: kargo.akuity.io/v1alpha1\nkind: Warehouse\n", "state"), { type: "image-factory:argocd:GitopsDelivery", props: {} }];
    expect((await checkStack(kargoProjectDeclared, gitops))[0]).toMatch(/^no Kargo Project in the GitOps manifest file/);
    expect(await checkStack(kargoProjectDeclared, [], { allowUnprotected: true })).toEqual([]);
  });
});

describe("kargo-durations-valid", () => {
  const stage = (soak: unknown, step: Record<string, unknown>) =>
    kargo("Stage", { requestedFreight: [{ origin: { kind: "Warehouse", name: "w" }, sources: { stages: ["s"], requiredSoakTime: soak } }], promotionTemplate: { spec: { steps: [step] } } });

  it("accepts Go durations and expressions", async () => {
    const ok = [
      kargo("Warehouse", { interval: "5m0s" }),
      stage("168h", { uses: "http", retry: { timeout: "10m" }, config: { timeout: "30s", pollInterval: "1m30s" } }),
      stage("${{ vars.soak }}", { uses: "http", config: { timeout: "1.5h" } }),
      kargo("PromotionTask", { steps: [{ uses: "git-clone", retry: { timeout: "1h" } }] }),
    ];
    expect(await checkResources(kargoDurationsValid, ok)).toEqual([]);
  });

  it("rejects day units, bare numbers and empty values, naming the field", async () => {
    const found = await checkResources(kargoDurationsValid, [
      kargo("Warehouse", { interval: "1d" }),
      stage("7d", { uses: "http", retry: { timeout: 600 }, config: { timeout: "" } }),
      kargo("PromotionTask", { steps: [{ uses: "http", config: { pollInterval: "5 minutes" } }] }),
    ]);
    expect(found).toEqual([
      'Warehouse image-factory/x: spec.interval is "1d", not a Go duration such as 168h or 5m0s (units s, m, h)',
      'Stage image-factory/x: spec.requestedFreight[0].sources.requiredSoakTime is "7d", not a Go duration such as 168h or 5m0s (units s, m, h)',
      "Stage image-factory/x: spec.promotionTemplate.spec.steps[0].retry.timeout is 600, not a Go duration such as 168h or 5m0s (units s, m, h)",
      'Stage image-factory/x: spec.promotionTemplate.spec.steps[0].config.timeout is "", not a Go duration such as 168h or 5m0s (units s, m, h)',
      'PromotionTask image-factory/x: spec.steps[0].config.pollInterval is "5 minutes", not a Go duration such as 168h or 5m0s (units s, m, h)',
    ]);
  });

  it("checks the Kargo objects inside a GitOps manifest file", async () => {
    const manifest = file("kargo/image-factory.yaml", "---\napiVersion: kargo.akuity.io/v1alpha1\nkind: Warehouse\nmetadata: {name: w, namespace: n}\nspec: {interval: 2d}\n", "state");
    expect(await checkResources(kargoDurationsValid, [manifest])).toEqual(['Warehouse n/w: spec.interval is "2d", not a Go duration such as 168h or 5m0s (units s, m, h)']);
  });
});

describe("repository-files-scoped", () => {
  it("accepts workflows and files in the folder the Argo CD Application syncs", async () => {
    expect(await checkStack(repositoryFilesScoped, [file(".github/workflows/image-factory-build.yml"), file("clusters/prod/kargo/image-factory.yaml", "", "state"), application("clusters/prod/kargo")])).toEqual([]);
  });

  it("rejects anything else, including workflow subfolders and escapes from the GitOps folder", async () => {
    const found = await checkStack(repositoryFilesScoped, [
      file("README.md"),
      file(".github/workflows/sub/x.yml"),
      file("kargo/../secrets.yaml", "", "state"),
      file("kargo-other/x.yaml", "", "state"),
      application("kargo"),
    ]);
    expect(found).toEqual([
      "f-README.md commits platform:README.md, outside .github/workflows/ and the GitOps folders (kargo)",
      "f-.github/workflows/sub/x.yml commits platform:.github/workflows/sub/x.yml, outside .github/workflows/ and the GitOps folders (kargo)",
      "f-kargo/../secrets.yaml commits state:kargo/../secrets.yaml, outside .github/workflows/ and the GitOps folders (kargo)",
      "f-kargo-other/x.yaml commits state:kargo-other/x.yaml, outside .github/workflows/ and the GitOps folders (kargo)",
    ]);
  });

  it("allows extra folders from the pack's config", async () => {
    expect(await checkStack(repositoryFilesScoped, [file("docs/x.md")], { extraPaths: ["docs/"] })).toEqual([]);
    expect(await checkStack(repositoryFilesScoped, [file("docs/x.md")])).toEqual(["f-docs/x.md commits platform:docs/x.md, outside .github/workflows/ and the GitOps folder (no Argo CD Application declared)"]);
  });
});
