// The Kargo estate as the program declares it, under Pulumi's mock runtime.
import { beforeAll, describe, expect, it } from "vitest";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { ROOT } from "./fixtures";

const TOKEN = "ghp_test-token-value-0123456789";
let resources: RecordedResource[];

beforeAll(async () => {
  const { defineImageFactory } = await import("../../src/program");
  ({ resources } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    config: {
      "image-factory:images": "examples/estate/images.yaml",
      "image-factory:githubToken": TOKEN,
      "image-factory:github": JSON.stringify({ factoryRepo: "acme/image-factory" }),
    },
    secretKeys: ["image-factory:githubToken"],
    program: () => defineImageFactory({ projectDir: ROOT }),
  }));
});

const kargo = () => resources.filter((r) => r.type.startsWith("kubernetes:kargo.akuity.io/"));

describe("KargoEstate under mocks", () => {
  it("declares every Kargo object with an explicit name and namespace, under the component", () => {
    const component = resources.find((r) => r.type === "image-factory:kargo:KargoEstate")!;
    expect(component).toBeDefined();
    expect(kargo().length).toBe(38);
    for (const r of kargo()) {
      expect(r.parent).toBe(component.urn);
      const metadata = r.inputs.metadata as { name?: string; namespace?: string };
      expect(metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (r.type.endsWith(":Project")) expect(metadata.namespace).toBeUndefined();
      else expect(metadata.namespace).toBe("image-factory");
      expect(r.provider).toMatch(/pulumi:providers:kubernetes::kubernetes::/);
    }
  });

  it("makes every namespaced object depend on the Project", () => {
    const project = kargo().find((r) => r.type.endsWith(":Project"))!;
    const namespaced = resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.endsWith(":Project") && r.parent?.includes("KargoEstate"));
    expect(namespaced.length).toBeGreaterThan(30);
    for (const r of namespaced) expect(r.dependencies, r.name).toContain(project.urn);
  });

  it("keeps the token a secret: only in the github-credentials Secret, inside the secret envelope", () => {
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === "github-credentials")!;
    expect(secret.inputs.metadata).toEqual({ name: "github-credentials", namespace: "image-factory", labels: { "kargo.akuity.io/cred-type": "generic" } });
    expect(isSecretEnvelope(secret.inputs.stringData)).toBe(true);
    expect((secret.inputs.stringData as { value: unknown }).value).toEqual({ password: TOKEN });
    // Nowhere else, in any resource, in plain text or base64.
    const others = resources.filter((r) => r !== secret);
    const b64 = Buffer.from(TOKEN).toString("base64");
    for (const r of others) {
      const text = JSON.stringify(r.inputs, (_k, v) => (isSecretEnvelope(v) ? "[secret]" : v));
      expect(text.includes(TOKEN) || text.includes(b64), `${r.type} ${r.name}`).toBe(false);
    }
  });

  it("gives the update Stages' git steps a repository credential for exactly their repos", () => {
    const git = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === "git-credentials")!;
    expect((git.inputs.metadata as { labels: unknown }).labels).toEqual({ "kargo.akuity.io/cred-type": "git" });
    const data = (git.inputs.stringData as { value: Record<string, string> }).value;
    expect(data).toMatchObject({ repoURL: "^https://github\\.com/(acme/data-tools|acme/platform)(\\.git)?$", repoURLIsRegex: "true", password: TOKEN });
    expect(new RegExp(data.repoURL).test("https://github.com/acme/data-tools.git")).toBe(true);
    expect(new RegExp(data.repoURL).test("https://github.com/acme/data-tools-evil.git")).toBe(false);
  });

  it("never registers two resources with the same type and name", () => {
    const ids = resources.map((r) => `${r.type}::${r.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sets metadata.name on every Kubernetes object (the mock runtime does not auto-name)", () => {
    for (const r of resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("kubernetes:pulumi"))) {
      expect((r.inputs.metadata as { name?: string } | undefined)?.name, r.name).toBeTruthy();
    }
  });
});
