// KargoEstate in GitOps mode (applyObjects: false): the Kargo objects go to git, so only the
// Secrets (and the namespace they need before Argo CD syncs the Project) are applied here.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { KargoEstate, planKargo } from "../../src/kargo";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { handEstate } from "./fixtures";

const TOKEN = "ghs_gitops-token-value-9876543210";
const options = { project: "rebuilds" };
let resources: RecordedResource[];
let objectsSeen: number;
let withoutProvider: unknown;

beforeAll(async () => {
  ({ resources } = await runUnderMocks({
    project: "image-factory",
    stack: "prod",
    program: () => {
      const githubToken = pulumi.secret(TOKEN);
      try {
        new KargoEstate("no-provider", { estate: handEstate(), options, githubToken });
      } catch (error) {
        withoutProvider = error;
      }
      const provider = new k8s.Provider("cluster", {});
      const estate = new KargoEstate("kargo", { estate: handEstate(), options, githubToken, applyObjects: false, protect: false }, { provider });
      objectsSeen = estate.objects.length;
      return {};
    },
  }));
});

const component = () => resources.find((r) => r.type === "image-factory:kargo:KargoEstate")!;
const children = () => resources.filter((r) => r.parent === component().urn);

describe("KargoEstate (GitOps delivery) under mocks", () => {
  it("refuses to run without an explicit Kubernetes provider, registering nothing", () => {
    expect(String(withoutProvider)).toMatch(/explicit Kubernetes provider/);
    expect(resources.filter((r) => r.name.startsWith("no-provider"))).toEqual([]);
    expect(resources.filter((r) => r.type === "image-factory:kargo:KargoEstate")).toHaveLength(1);
  });

  it("applies no Kargo object, yet still plans them all for git", () => {
    expect(children().filter((r) => r.type.startsWith("kubernetes:kargo.akuity.io/"))).toEqual([]);
    expect(objectsSeen).toBe(planKargo(handEstate(), options).objects.length);
    expect(children().map((r) => r.type).sort()).toEqual(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Secret", "kubernetes:core/v1:Secret"]);
  });

  it("protects nothing when protect is off (the step before deleting on purpose)", () => {
    expect(children().filter((r) => r.protect)).toEqual([]);
  });

  it("creates the namespace labelled for Kargo to adopt, kept by Kargo when the Project goes, never deleted with the stack", () => {
    const ns = children().find((r) => r.type === "kubernetes:core/v1:Namespace")!;
    expect(ns.name).toBe("kargo-namespace-rebuilds");
    // keep-namespace: akuity/kargo v1.11.2 pkg/controller/management/projects/projects.go `shouldKeepNamespace`.
    expect(ns.inputs.metadata).toEqual({ name: "rebuilds", labels: { "kargo.akuity.io/project": "true" }, annotations: { "kargo.akuity.io/keep-namespace": "true" } });
    expect(ns.retainOnDelete).toBe(true);
    for (const secret of children().filter((r) => r.type === "kubernetes:core/v1:Secret")) {
      expect(secret.dependencies).toEqual([ns.urn]);
      expect(secret.provider).toMatch(/pulumi:providers:kubernetes::cluster::/);
    }
    expect(ns.provider).toMatch(/pulumi:providers:kubernetes::cluster::/);
  });

  it("applies both Secrets with the token only inside the secret envelope", () => {
    const secrets = children().filter((r) => r.type === "kubernetes:core/v1:Secret");
    // No analysis here: the git credential covers the update targets only.
    expect(secrets.map((r) => (r.inputs.metadata as { name: string }).name).sort()).toEqual(["git-credentials", "github-credentials"]);
    for (const secret of secrets) {
      expect((secret.inputs.metadata as { namespace: string }).namespace).toBe("rebuilds");
      expect(isSecretEnvelope(secret.inputs.stringData)).toBe(true);
      expect((secret.inputs.stringData as { value: { password: string } }).value.password).toBe(TOKEN);
    }
    for (const r of resources.filter((x) => !secrets.includes(x))) expect(JSON.stringify(r.inputs), r.name).not.toContain(TOKEN);
  });
});
