// Image credentials: the stack logs Kargo in to a registry (a private GHCR, an authenticated
// Docker Hub) with a username in the stack settings and a token in the secret registryTokens.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { tokenHosts } from "../../src/config/pulumi-config";
import { KargoEstate, registryPolling } from "../../src/kargo";
import { imageCredentialSecret, registryCredentials, registryRepoPattern } from "../../src/kargo/secrets";
import { isSecretEnvelope, type RecordedResource, runUnderMocks } from "../../src/render/mock-runtime";
import { problemsOf } from "../helpers/problems";
import { handEstate } from "./fixtures";

describe("registryCredentials", () => {
  it("pairs every username with its token", () => {
    expect(registryCredentials({ "ghcr.io": { username: "acme-bot" }, "docker.io": { interval: "1h" } }, ["ghcr.io"], "Pulumi.dev.yaml")).toEqual([{ host: "ghcr.io", username: "acme-bot" }]);
  });

  it("names the missing token and the token without a user, with the command to set it", () => {
    const problems = problemsOf(() => registryCredentials({ "ghcr.io": { username: "acme-bot" } }, ["quay.io"], "Pulumi.prod.yaml"));
    expect(problems).toEqual([
      `Pulumi.prod.yaml: image-factory:registryTokens.ghcr.io: is required because registries.ghcr.io.username is set: pulumi config set --secret --path 'image-factory:registryTokens["ghcr.io"]' <token>`,
      "Pulumi.prod.yaml: image-factory:registryTokens.quay.io: has no user: set image-factory:registries.quay.io.username",
    ]);
  });
});

describe("tokenHosts", () => {
  it("reads the hosts and never echoes a value", () => {
    expect(tokenHosts(undefined, "s.yaml")).toEqual([]);
    expect(tokenHosts(JSON.stringify({ "quay.io": "t1", "ghcr.io": "t2" }), "s.yaml")).toEqual(["ghcr.io", "quay.io"]);
    const notJson = problemsOf(() => tokenHosts("ghp_plain-token-value", "s.yaml"));
    expect(notJson.join("\n")).not.toContain("ghp_plain");
    expect(notJson[0]).toContain("image-factory:registryTokens: must be a mapping of registry host to token");
    expect(problemsOf(() => tokenHosts(JSON.stringify({ "ghcr.io": "" }), "s.yaml"))).toEqual(["s.yaml: image-factory:registryTokens.ghcr.io: must be a non-empty string"]);
  });
});

describe("the image credential Secret", () => {
  it("is labelled for Kargo and matches exactly that registry's repositories", () => {
    const shape = imageCredentialSecret("rebuilds", { host: "ghcr.io", username: "acme-bot" });
    expect(shape).toMatchObject({
      name: "registry-ghcr-io",
      namespace: "rebuilds",
      labels: { "kargo.akuity.io/cred-type": "image" },
      plain: { repoURLIsRegex: "true", username: "acme-bot" },
      tokenKey: "password",
    });
    const ghcr = new RegExp(shape.plain.repoURL);
    expect(ghcr.test("ghcr.io/acme/python-base")).toBe(true);
    expect(ghcr.test("ghcr.io.evil.example/acme/x")).toBe(false);
    expect(ghcr.test("docker.io/library/node")).toBe(false);
    expect(imageCredentialSecret("p", { host: "localhost:5000", username: "u" }).name).toBe("registry-localhost-5000");
  });

  it("matches Docker Hub repositories however they are written, and no other registry's", () => {
    const hub = new RegExp(registryRepoPattern("docker.io"));
    for (const repo of ["docker.io/library/node", "node", "library/node", "index.docker.io/acme/tool", "acme/tool"]) expect(hub.test(repo), repo).toBe(true);
    for (const repo of ["ghcr.io/acme/x", "quay.io/x/y", "localhost:5000/x", "gcr.io/distroless/static"]) expect(hub.test(repo), repo).toBe(false);
  });

  it("makes polling of that registry authenticated", () => {
    const hub = (settings: Parameters<typeof registryPolling>[1]) => registryPolling(handEstate(), settings).find((p) => p.registry === "docker.io")!;
    expect(hub({})).toMatchObject({ authenticated: false, budget: 10 });
    expect(hub({ "docker.io": { username: "acme" } })).toMatchObject({ authenticated: true, budget: 20 });
    expect(hub({ "docker.io": { username: "acme", authenticated: false } })).toMatchObject({ authenticated: false, budget: 10 });
  });
});

describe("KargoEstate with registry credentials, under mocks", () => {
  const TOKEN = "ghp_registry-token-value-123456789";
  let resources: RecordedResource[];
  beforeAll(async () => {
    ({ resources } = await runUnderMocks({
      project: "image-factory",
      stack: "dev",
      program: () => {
        const provider = new k8s.Provider("k8s", {});
        new KargoEstate(
          "kargo",
          {
            estate: handEstate(),
            options: { project: "image-factory" },
            githubToken: pulumi.secret("ghp_dispatch-token-0000000000"),
            registryCredentials: [{ host: "ghcr.io", username: "acme-bot" }],
            registryTokens: { "ghcr.io": TOKEN },
          },
          { provider },
        );
        return {};
      },
    }));
  });

  it("applies the credential with the token only inside the secret envelope", () => {
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name: string }).name === "registry-ghcr-io")!;
    expect(secret.inputs.metadata).toMatchObject({ namespace: "image-factory", labels: { "kargo.akuity.io/cred-type": "image" } });
    expect(isSecretEnvelope(secret.inputs.stringData)).toBe(true);
    expect((secret.inputs.stringData as { value: Record<string, string> }).value).toEqual({ repoURL: "^ghcr\\.io/", repoURLIsRegex: "true", username: "acme-bot", password: TOKEN });
    expect(secret.additionalSecretOutputs).toEqual(expect.arrayContaining(["data", "stringData"]));
    // Nowhere else, in any resource.
    const others = resources.filter((r) => r !== secret);
    expect(JSON.stringify(others.map((r) => r.inputs))).not.toContain(TOKEN);
  });
});
