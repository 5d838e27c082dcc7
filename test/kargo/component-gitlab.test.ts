// KargoEstate with GitLab sources under Pulumi's mock runtime: the GitLab token becomes the
// gitlab-credentials Secret and one git credential per GitLab host, only ever inside a secret
// envelope, and each Stage and Warehouse waits for the Secrets it uses.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { KargoEstate } from "../../src/kargo";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { gitlabEstate } from "./fixtures";

const GITHUB = "ghp_component-gitlab-0123456789";
const GITLAB = "glpat-CANARY-component-9876543210";
const options = { project: "image-factory", factoryRepo: "acme/image-factory" };
let resources: RecordedResource[];

beforeAll(async () => {
  ({ resources } = await runUnderMocks({
    project: "image-factory",
    stack: "dev",
    config: { "image-factory:githubToken": GITHUB, "image-factory:gitlabToken": GITLAB },
    secretKeys: ["image-factory:githubToken", "image-factory:gitlabToken"],
    program: () => {
      const provider = new k8s.Provider("k8s", { context: "test" });
      const cfg = new pulumi.Config("image-factory");
      const estate = new KargoEstate(
        "kargo",
        { estate: gitlabEstate(), options, githubToken: cfg.requireSecret("githubToken"), gitlabToken: cfg.requireSecret("gitlabToken") },
        { providers: [provider] },
      );
      return { project: estate.project };
    },
  }));
});

const secretNamed = (name: string) => resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === name);

describe("KargoEstate with GitLab sources", () => {
  it("writes the GitLab token to gitlab-credentials and to a git credential per GitLab host, inside secret envelopes", () => {
    const generic = secretNamed("gitlab-credentials")!;
    expect(generic.inputs.metadata).toEqual({ name: "gitlab-credentials", namespace: "image-factory", labels: { "kargo.akuity.io/cred-type": "generic" } });
    expect(isSecretEnvelope(generic.inputs.stringData)).toBe(true);
    expect((generic.inputs.stringData as { value: unknown }).value).toEqual({ password: GITLAB });
    const git = secretNamed("git-credentials-gitlab-gitlab-com")!;
    expect(isSecretEnvelope(git.inputs.stringData)).toBe(true);
    expect((git.inputs.stringData as { value: Record<string, string> }).value).toMatchObject({ username: "oauth2", password: GITLAB, repoURLIsRegex: "true" });
    expect(secretNamed("git-credentials-gitlab-git-acme-example-8443")).toBeDefined();
    // GitHub's credentials keep GitHub's token.
    expect((secretNamed("github-credentials")!.inputs.stringData as { value: unknown }).value).toEqual({ password: GITHUB });
  });

  it("never shows the GitLab token outside those envelopes", () => {
    const hidden = (v: unknown) => JSON.stringify(v, (_k, x) => (isSecretEnvelope(x) ? "[secret]" : x));
    for (const r of resources) expect(hidden(r.inputs).includes(GITLAB), `${r.type} ${r.name}`).toBe(false);
  });

  it("applies the GitLab rebuild Stage and source Warehouse after the Secrets they use", () => {
    const urn = (name: string) => secretNamed(name)!.urn;
    const stage = resources.find((r) => r.name === "kargo-stage-rebuild-docs-site")!;
    expect(stage.dependencies).toContain(urn("gitlab-credentials"));
    expect(stage.dependencies).not.toContain(urn("github-credentials"));
    const warehouse = resources.find((r) => r.name === "kargo-warehouse-source-gitlab-com-acme-web-docs-release-2")!;
    expect(warehouse.dependencies).toContain(urn("git-credentials-gitlab-gitlab-com"));
  });

  it("refuses to declare an estate with GitLab sources without a GitLab token", () => {
    const provider = new k8s.Provider("k8s-none", { context: "test" });
    expect(() => new KargoEstate("k2", { estate: gitlabEstate(), options, githubToken: "x" }, { providers: [provider] })).toThrow(/needs gitlabToken/);
  });
});
