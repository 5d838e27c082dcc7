// A stack that holds its cluster's kubeconfig as a secret, and adopts existing objects for one `up`.
import { beforeAll, expect, it } from "vitest";
import { isSecretEnvelope } from "../../src/render/mock-runtime";
import { K8S_PROVIDER, type ProgramRun, runProgram } from "./helpers";

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n# kubeconfig-secret-marker\n";
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram(
    "dev",
    { "image-factory:kubeconfig": KUBECONFIG, "image-factory:kubernetes": JSON.stringify({ upsertExistingObjects: true }) },
    ["image-factory:kubeconfig"],
  );
});

const provider = () => run.resources.find((r) => r.type === K8S_PROVIDER)!;

it("runs without a context when the stack holds a kubeconfig", () => expect(run.error).toBeUndefined());

it("passes the kubeconfig to the provider as a secret, and no context", () => {
  const { kubeconfig, context } = provider().inputs;
  expect(isSecretEnvelope(kubeconfig)).toBe(true);
  expect((kubeconfig as { value: unknown }).value).toBe(KUBECONFIG);
  expect(context).toBeUndefined();
});

it("never shows the kubeconfig in plain text in any recorded input", () => {
  for (const r of run.resources) {
    const plain = JSON.stringify(r.inputs, (_k, v) => (isSecretEnvelope(v) ? "[secret]" : v));
    expect(plain, r.name).not.toContain("kubeconfig-secret-marker");
  }
});

// provider/pkg/await/await.go (Creation): with server-side apply and UpsertExistingObjects a
// create patches an object that already exists instead of failing with AlreadyExists.
it("turns on upsertExistingObjects when the stack asks for adoption, keeping enableSecretMutable", () => {
  expect(provider().inputs.upsertExistingObjects).toBe("true");
  expect(provider().inputs.enableSecretMutable).toBe("true");
});
