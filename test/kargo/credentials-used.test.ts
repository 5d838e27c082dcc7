// Which credential Secrets a Kargo object uses: the edges the program turns into dependsOn.
import { expect, it } from "vitest";
import { credentialsUsedBy } from "../../src/kargo/credentials-used";
import { githubCredentialsSecret, gitCredentialsSecret, imageCredentialSecret } from "../../src/kargo/secrets";

const secrets = [
  githubCredentialsSecret("p"),
  gitCredentialsSecret("p", ["acme/Deploy"])!,
  imageCredentialSecret("p", { host: "ghcr.io", username: "bot" }),
  imageCredentialSecret("p", { host: "docker.io", username: "bot" }),
];
const warehouse = (subscriptions: unknown[]) => ({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Warehouse", metadata: { name: "w", namespace: "p" }, spec: { subscriptions } });
const stage = (steps: unknown[]) => ({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Stage", metadata: { name: "s", namespace: "p" }, spec: { promotionTemplate: { spec: { steps } } } });

it("matches a Warehouse's image repoURL against each image credential's regex, as Kargo does, every Docker Hub spelling included", () => {
  expect(credentialsUsedBy(warehouse([{ image: { repoURL: "ghcr.io/acme/uv" } }]), secrets)).toEqual(["registry-ghcr-io"]);
  expect(credentialsUsedBy(warehouse([{ image: { repoURL: "node" } }]), secrets)).toEqual(["registry-docker-io"]);
  expect(credentialsUsedBy(warehouse([{ image: { repoURL: "docker.io/library/node" } }]), secrets)).toEqual(["registry-docker-io"]);
  expect(credentialsUsedBy(warehouse([{ image: { repoURL: "gcr.io/distroless/static" } }]), secrets)).toEqual([]);
});

it("matches a git subscription only against git credentials, lowercase spelling included", () => {
  expect(credentialsUsedBy(warehouse([{ git: { repoURL: "https://github.com/acme/deploy.git" } }]), secrets)).toEqual(["git-credentials"]);
  expect(credentialsUsedBy(warehouse([{ git: { repoURL: "https://github.com/acme/other.git" } }]), secrets)).toEqual([]);
});

it("finds the Secrets a Stage's steps name with secret('...') and the git credentials of its git steps", () => {
  const s = stage([
    { uses: "http", config: { headers: [{ name: "Authorization", value: "Bearer ${{ secret('github-credentials').password }}" }] } },
    { uses: "git-clone", config: { repoURL: "https://github.com/acme/Deploy.git" } },
  ]);
  expect(credentialsUsedBy(s, secrets)).toEqual(["git-credentials", "github-credentials"]);
});

it("gives a Stage that names no Secret and runs no git step no credential", () => {
  expect(credentialsUsedBy(stage([{ uses: "compose-output", config: {} }]), secrets)).toEqual([]);
});
