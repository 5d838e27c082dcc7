// The webhook's way from the stack secret to the notify workflow, under Pulumi's mock runtime:
// one GitHub environment per stack on the factory repository, open to the factory branch only,
// holding the webhook as a secret; and the webhook (a canary value) nowhere else, in no form,
// outside Pulumi's secret envelopes.
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { exampleStackConfig } from "../helpers/example-stack";

const ROOT = path.resolve(__dirname, "..", "..");
const CANARY = "https://hooks.example.test/services/CANARY-SECRET-5b1e9d";
/** Forms a leaked URL could take: as is, JSON- or URL-encoded, base64 (Kubernetes data). */
const FORMS = [CANARY, JSON.stringify(CANARY).slice(1, -1), encodeURIComponent(CANARY), Buffer.from(CANARY).toString("base64"), "CANARY-SECRET-5b1e9d"];

let resources: RecordedResource[];
beforeAll(async () => {
  const { defineImageFactory } = await import("../../src/program");
  const run = await runUnderMocks({
    project: "image-factory",
    stack: "prod",
    config: exampleStackConfig("prod", {
      "image-factory:github": JSON.stringify({ owner: "acme", factoryRepo: "acme/image-factory", factoryBranch: "main" }),
      "image-factory:notifications": JSON.stringify({ events: ["dispatched", "built", "failed"] }),
      "image-factory:notificationWebhook": CANARY,
    }),
    secretKeys: ["image-factory:githubToken", "image-factory:notificationWebhook"],
    program: () => defineImageFactory({ projectDir: ROOT }),
  });
  resources = run.resources;
}, 120_000);

/** Every string of `value` outside secret envelopes. */
function plainStrings(value: unknown, out: string[] = []): string[] {
  if (isSecretEnvelope(value)) return out;
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) plainStrings(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) plainStrings(v, out);
  return out;
}

describe("the notification channel on the factory repository", () => {
  const of = (type: string) => resources.filter((r) => r.type === type && r.name.startsWith("notifications-"));

  it("is the stack's own environment, without reviewers, open to the factory branch only", () => {
    const [env] = of("github:index/repositoryEnvironment:RepositoryEnvironment");
    expect(env.inputs).toMatchObject({ repository: "image-factory", environment: "prod-notify", deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } });
    expect(env.inputs.reviewers).toBeUndefined();
    const [policy] = of("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
    expect(policy.inputs).toMatchObject({ repository: "image-factory", branchPattern: "main" });
    expect(policy.dependencies).toContain(env.urn);
  });

  it("holds the webhook as the environment secret NOTIFICATION_WEBHOOK, a Pulumi secret in and out", () => {
    const [secret] = of("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret");
    expect(secret.inputs).toMatchObject({ repository: "image-factory", secretName: "NOTIFICATION_WEBHOOK" });
    expect(isSecretEnvelope(secret.inputs.value)).toBe(true);
    expect((secret.inputs.value as { value: unknown }).value).toBe(CANARY);
    expect(secret.additionalSecretOutputs).toContain("value");
    expect(secret.provider).toMatch(/github-acme/);
  });

  it("keeps the webhook out of every other input, in any form: Kargo objects, workflow files, providers", () => {
    for (const r of resources) {
      for (const s of plainStrings(r.inputs)) for (const form of FORMS) expect(s.includes(form), `${r.type} ${r.name}`).toBe(false);
    }
  });

  it("gives every rebuild Stage its notification steps, which name GitHub's API only, and no other Stage", () => {
    const stages = resources.filter((r) => r.type === "kubernetes:kargo.akuity.io/v1alpha1:Stage");
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) {
      const steps = (stage.inputs as any).spec.promotionTemplate.spec.steps as Array<{ as: string; config: { url?: string } }>;
      const notify = steps.filter((s) => s.as.startsWith("notify"));
      if ((stage.inputs as any).metadata.name.startsWith("rebuild-")) {
        expect(notify.map((s) => s.as), stage.name).toEqual(["notify-dispatched", "notify"]);
        for (const s of notify) expect(s.config.url).toBe("https://api.github.com/repos/acme/image-factory/actions/workflows/notify.yml/dispatches");
      } else {
        expect(notify, stage.name).toEqual([]);
      }
    }
  });
});
