// KargoEstate under Pulumi's mock runtime, applying the Kargo objects itself (direct delivery).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { KargoEstate, planKargo } from "../../src/kargo";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { handEstate } from "./fixtures";

const TOKEN = "ghp_test-token-value-0123456789";
const options = { project: "image-factory", factoryRepo: "acme/image-factory" };
const plan = planKargo(handEstate(), options);
let resources: RecordedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  ({ resources, outputs } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    config: { "image-factory:githubToken": TOKEN },
    secretKeys: ["image-factory:githubToken"],
    program: () => {
      const provider = new k8s.Provider("k8s", { context: "test" });
      // As the program reads it: a secret config value.
      const githubToken = new pulumi.Config("image-factory").requireSecret("githubToken");
      const estate = new KargoEstate("kargo", { estate: handEstate(), options, githubToken }, { providers: [provider] });
      return { project: estate.project };
    },
  }));
});

const component = () => resources.find((r) => r.type === "image-factory:kargo:KargoEstate")!;
const children = () => resources.filter((r) => r.parent === component().urn);
const kargo = () => children().filter((r) => r.type.startsWith("kubernetes:kargo.akuity.io/"));
const secretNamed = (name: string) => children().find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === name)!;

describe("KargoEstate (direct delivery) under mocks", () => {
  it("declares exactly the planned Kargo objects, each a CustomResource with its explicit name and namespace", () => {
    expect(component()).toBeDefined();
    expect(kargo()).toHaveLength(plan.objects.length);
    for (const object of plan.objects) {
      // A stable logical name per kind and name: renaming it would delete and recreate the object.
      const r = kargo().find((x) => x.name === `kargo-${object.kind.toLowerCase()}-${object.metadata.name}`);
      expect(r, `${object.kind}/${object.metadata.name}`).toBeDefined();
      expect(r!.type).toBe(`kubernetes:${object.apiVersion}:${object.kind}`);
      // The whole object reaches the provider as planned (spec included).
      expect(r!.inputs).toEqual(object);
    }
    expect(kargo().filter((r) => r.type.endsWith(":Stage")).map((r) => (r.inputs.metadata as { name: string }).name)).toContain("rebuild-backstage");
    const rebuild = kargo().find((r) => r.name === "kargo-stage-rebuild-backstage")!;
    expect((rebuild.inputs.spec as any).promotionTemplate.spec.steps[0].config.url).toBe("https://api.github.com/repos/acme/platform/actions/workflows/backstage.yml/dispatches");
  });

  it("parents every child to the component and gives each the explicit provider", () => {
    expect(children().length).toBe(plan.objects.length + 2);
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      expect(r.parent, r.name).toBe(component().urn);
      expect(r.provider, r.name).toBe(`${provider.urn}::k8s-id`);
    }
  });

  it("makes every namespaced object depend on the Project, and creates no Namespace of its own", () => {
    const project = kargo().find((r) => r.type.endsWith(":Project"))!;
    expect(project.dependencies).toEqual([]);
    const namespaced = children().filter((r) => r !== project);
    expect(namespaced.length).toBe(plan.objects.length + 1);
    for (const r of namespaced) {
      expect(r.dependencies, r.name).toContain(project.urn);
      expect((r.inputs.metadata as { namespace?: string }).namespace, r.name).toBe("image-factory");
    }
    expect(children().some((r) => r.type === "kubernetes:core/v1:Namespace")).toBe(false);
  });

  it("keeps the token a secret: only in the Secrets' stringData, inside the secret envelope", () => {
    const github = secretNamed("github-credentials");
    expect(github.inputs.metadata).toEqual({ name: "github-credentials", namespace: "image-factory", labels: { "kargo.akuity.io/cred-type": "generic" } });
    expect(github.inputs.type).toBe("Opaque");
    expect(isSecretEnvelope(github.inputs.stringData)).toBe(true);
    expect((github.inputs.stringData as { value: unknown }).value).toEqual({ password: TOKEN });

    const git = secretNamed("git-credentials");
    expect((git.inputs.metadata as { labels: unknown }).labels).toEqual({ "kargo.akuity.io/cred-type": "git" });
    expect(isSecretEnvelope(git.inputs.stringData)).toBe(true);
    const data = (git.inputs.stringData as { value: Record<string, string> }).value;
    expect(data).toEqual({ repoURL: "^https://github\\.com/(acme/data-tools|acme/platform)(\\.git)?$", repoURLIsRegex: "true", username: "x-access-token", password: TOKEN });
    for (const url of ["https://github.com/acme/data-tools.git", "https://github.com/acme/platform", "https://github.com/acme/platform.git"]) expect(new RegExp(data.repoURL).test(url), url).toBe(true);
    for (const url of ["https://github.com/acme/data-tools-evil.git", "https://github.com/acme/platformx", "https://evil.example/https://github.com/acme/platform"]) expect(new RegExp(data.repoURL).test(url), url).toBe(false);

    // Nowhere else: no other input of any resource, no stack output, in plain text or base64.
    const hidden = (v: unknown) => JSON.stringify(v, (_k, x) => (isSecretEnvelope(x) ? "[secret]" : x));
    const b64 = Buffer.from(TOKEN).toString("base64");
    for (const r of resources) {
      const text = hidden(r.inputs);
      expect(text.includes(TOKEN) || text.includes(b64), `${r.type} ${r.name}`).toBe(false);
    }
    expect(hidden(outputs)).not.toContain(TOKEN);
    expect(outputs).toEqual({ project: "image-factory" });
  });

  it("protects the Project and github-credentials by default, and nothing else", () => {
    const protectedOnes = children().filter((r) => r.protect).map((r) => `${r.type} ${(r.inputs.metadata as { name: string }).name}`);
    expect(protectedOnes.sort()).toEqual(["kubernetes:core/v1:Secret github-credentials", "kubernetes:kargo.akuity.io/v1alpha1:Project image-factory"]);
  });

  it("never registers two resources with the same type and name", () => {
    const ids = resources.map((r) => `${r.type}::${r.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sets metadata.name on every Kubernetes object (the mock runtime does not auto-name)", () => {
    for (const r of resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:"))) {
      expect((r.inputs.metadata as { name?: string } | undefined)?.name, r.name).toBeTruthy();
    }
  });
});
