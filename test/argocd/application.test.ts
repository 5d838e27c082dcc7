import { beforeAll, describe, expect, it } from "vitest";
import { buildApplication, KARGO_REFRESH_POINTER } from "../../src/argocd/application";
import { parseStackSettings } from "../../src/config/stack";
import { crdValidator, REF_DIR, refFile } from "../helpers/ref-schemas";

const CRD = "argocd-crds/application-crd.yaml";

const delivery = (d: Record<string, unknown>) =>
  parseStackSettings({ delivery: JSON.stringify(d) }, { source: "Pulumi.prod.yaml", projectDir: "." }).delivery;

const gitops = delivery({ mode: "gitops", repo: "acme/estate-state", branch: "main", path: "kargo/prod" });

describe("the Argo CD Application", () => {
  it("syncs the committed file from the state repo into the Kargo Project's namespace", () => {
    expect(buildApplication({ delivery: gitops, kargoProject: "image-factory" })).toEqual({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: {
        name: "image-factory",
        namespace: "argocd",
        labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "image-factory" },
      },
      spec: {
        project: "default",
        source: {
          repoURL: "https://github.com/acme/estate-state.git",
          targetRevision: "main",
          path: "kargo/prod",
          directory: { recurse: true, include: "{project.yaml,shared.yaml,shared@*.yaml,repos/*.yaml}" },
        },
        destination: { server: "https://kubernetes.default.svc", namespace: "image-factory" },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ["CreateNamespace=true", "PruneLast=true", "RespectIgnoreDifferences=true"],
          managedNamespaceMetadata: { labels: { "kargo.akuity.io/project": "true" } },
          retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
        },
        ignoreDifferences: [
          { group: "kargo.akuity.io", kind: "Warehouse", jsonPointers: [KARGO_REFRESH_POINTER] },
          { group: "kargo.akuity.io", kind: "Stage", jsonPointers: [KARGO_REFRESH_POINTER] },
        ],
      },
    });
    expect(KARGO_REFRESH_POINTER).toBe("/metadata/annotations/kargo.akuity.io~1refresh");
  });

  it("takes name, namespace, project and server from delivery.argocd", () => {
    const app = buildApplication({
      delivery: delivery({ mode: "gitops", repo: "acme/s", path: "kargo/", argocd: { name: "rebuilds", namespace: "gitops", project: "sdlc", server: "https://k8s.example.com" } }),
      kargoProject: "rebuilds",
    });
    expect(app.metadata).toMatchObject({ name: "rebuilds", namespace: "gitops" });
    expect(app.spec).toMatchObject({ project: "sdlc", destination: { server: "https://k8s.example.com", namespace: "rebuilds" }, source: { path: "kargo" } });
  });

  it("does not exist in direct mode", () => {
    expect(() => buildApplication({ delivery: delivery({}), kargoProject: "image-factory" })).toThrow(/gitops/);
  });
});

const crdPresent = refFile(CRD) !== undefined;
if (!crdPresent) console.warn(`skipping the Argo CD CRD validation: ${CRD} not found under ${REF_DIR} (set IMAGE_FACTORY_REF_DIR)`);

describe.skipIf(!crdPresent)(`the Application against ${CRD}`, () => {
  let validate: ReturnType<typeof crdValidator>;
  beforeAll(() => {
    validate = crdValidator(CRD, "v1alpha1");
  });

  it("validates", () => {
    const app = buildApplication({ delivery: gitops, kargoProject: "image-factory" });
    expect(validate(app), JSON.stringify(validate.errors)).toBe(true);
  });

  it("is a real check: a misspelt or mistyped field fails", () => {
    const app = structuredClone(buildApplication({ delivery: gitops, kargoProject: "image-factory" }));
    (app.spec.syncPolicy as { automated: Record<string, unknown> }).automated.selfheal = true;
    expect(validate(app)).toBe(false);
    const app2 = structuredClone(buildApplication({ delivery: gitops, kargoProject: "image-factory" }));
    (app2.spec.syncPolicy as { retry: Record<string, unknown> }).retry.limit = "5";
    expect(validate(app2)).toBe(false);
    const app3 = structuredClone(buildApplication({ delivery: gitops, kargoProject: "image-factory" }));
    delete (app3.spec as Record<string, unknown>).destination;
    expect(validate(app3)).toBe(false);
  });
});
