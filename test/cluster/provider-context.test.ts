// A stack that names its cluster by context: the one Kubernetes provider the program creates,
// and the inputs that decide what a real `pulumi up` does with Secrets and existing objects.
import { beforeAll, expect, it } from "vitest";
import { K8S_PROVIDER, kubernetesResources, type ProgramRun, providerUrnOf, runProgram } from "./helpers";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("dev", { "image-factory:kubernetes": JSON.stringify({ context: "kind-dev" }) });
});

const providers = () => run.resources.filter((r) => r.type === K8S_PROVIDER);

it("runs", () => expect(run.error).toBeUndefined());

it("creates exactly one Kubernetes provider, on the named context, with no kubeconfig of its own", () => {
  expect(providers()).toHaveLength(1);
  const inputs = providers()[0].inputs;
  expect(inputs.context).toBe("kind-dev");
  expect(inputs.kubeconfig).toBeUndefined();
});

// pulumi-kubernetes provider/pkg/provider/diff.go, forceNewProperties: a Secret's .data and
// .stringData force a replacement unless enableSecretMutable; the protected github-credentials
// Secret could then never take a rotated token.
it("sets enableSecretMutable (and server-side apply) on the provider: a rotated token is an update", () => {
  const inputs = providers()[0].inputs;
  expect(inputs.enableSecretMutable).toBe("true");
  expect(inputs.enableServerSideApply).toBe("true");
});

// provider/pkg/provider/provider.go, Configure: the provider variable wins over the
// PULUMI_K8S_UPSERT_EXISTING_OBJECTS environment variable, so passing false keeps it off.
it("passes upsertExistingObjects as false when the stack does not ask for adoption", () => {
  expect(providers()[0].inputs.upsertExistingObjects).toBe("false");
});

it("puts every Kubernetes resource (Kargo objects and Secrets) on that provider, none on a default one", () => {
  const urn = providers()[0].urn;
  const k8s = kubernetesResources(run.resources);
  expect(k8s.length).toBeGreaterThan(10);
  for (const r of k8s) expect(providerUrnOf(r), r.name).toBe(urn);
});
