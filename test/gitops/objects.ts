// Kargo objects shaped like the ones the Kargo builder renders, for the delivery tests.
import type { KubernetesObject } from "../../src/gitops/manifests";

export function sampleObjects(): KubernetesObject[] {
  return [
    {
      apiVersion: "kargo.akuity.io/v1alpha1",
      kind: "Warehouse",
      metadata: { name: "base-node-22-bookworm-slim", namespace: "image-factory" },
      spec: {
        interval: "12h0m0s",
        freightCreationPolicy: "Automatic",
        subscriptions: [{ image: { repoURL: "docker.io/library/node", constraint: "22-bookworm-slim", imageSelectionStrategy: "Digest", discoveryLimit: 20 } }],
      },
    },
    {
      apiVersion: "kargo.akuity.io/v1alpha1",
      kind: "Stage",
      metadata: { name: "rebuild-uv", namespace: "image-factory", labels: { "image-factory/image": "uv" } },
      spec: {
        requestedFreight: [{ origin: { kind: "Warehouse", name: "base-node-22-bookworm-slim" }, sources: { direct: true } }],
        promotionTemplate: {
          spec: {
            steps: [
              {
                uses: "http",
                as: "dispatch",
                config: {
                  method: "POST",
                  url: "https://api.github.com/repos/acme/platform/actions/workflows/build-uv.yml/dispatches",
                  // Values a YAML 1.1 reader would otherwise turn into a date and a boolean.
                  headers: [
                    { name: "X-GitHub-Api-Version", value: "2022-11-28" },
                    { name: "X-Flag", value: "on" },
                  ],
                  body: '${% quote({"ref": "main", "inputs": {"version_bump": "patch"}}) %}',
                  successExpression: "response.status == 204",
                },
              },
            ],
          },
        },
      },
    },
    { apiVersion: "kargo.akuity.io/v1alpha1", kind: "Project", metadata: { name: "image-factory" } },
    {
      apiVersion: "kargo.akuity.io/v1alpha1",
      kind: "ProjectConfig",
      metadata: { name: "image-factory", namespace: "image-factory" },
      spec: { promotionPolicies: [{ stageSelector: { name: "glob:rebuild-*" }, autoPromotionEnabled: true }] },
    },
  ];
}

/** The github-credentials Secret Pulumi applies directly: it must never reach git. */
export function credentialsSecret(): KubernetesObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "github-credentials", namespace: "image-factory", labels: { "kargo.akuity.io/cred-type": "git" } },
    stringData: { username: "x", password: "not-a-real-token" },
  };
}
