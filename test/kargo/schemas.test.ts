// Every Kargo object the estate declares, checked against Kargo v1.11's CRDs and the JSON
// Schemas Kargo applies to Warehouse subscriptions and step configs (the CRDs do not).
import { describe, expect, it } from "vitest";
import type { KubernetesObject } from "../../src/gitops/manifests";
import { type KargoOptions, planKargo } from "../../src/kargo";
import type { Estate } from "../../src/model/types";
import { evaluateConfig, evaluateTemplate, promotionEnv, type SimulatedImage } from "../helpers/kargo-expr";
import { ajvErrors, crdValidator, isExpression, kargoJsonSchemas, REF_DIR, refFile, stepConfigErrors } from "../helpers/ref-schemas";
import { gitlabEstate, handEstate } from "./fixtures";

const haveRef = refFile("kargo-crds/kargo.akuity.io_stages.yaml") !== undefined;
if (!haveRef) console.warn(`Kargo reference schemas not found under ${REF_DIR} (set IMAGE_FACTORY_REF_DIR): schema validation skipped`);

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The example estate, plus variants that exercise the other branches of the builders. */
function estates(): Array<[string, Estate, string | undefined, Partial<KargoOptions>?]> {
  const tagged = handEstate();
  tagged.bases = tagged.bases.map((b, i) =>
    i === 1 ? { ...b, tagPolicy: "semver", constraint: "^3.12.0" } : i === 3 ? { ...b, tagPolicy: "lexical", constraint: "^0\\.\\d+$" } : b,
  );
  const long = handEstate();
  long.images = long.images.map((n) => ({ ...n, spec: { ...n.spec, updates: [...n.spec.updates, { repo: "acme/deploy", path: "apps/kustomization.yaml", type: "kustomize-set-image" as const, branch: "release/v1" }] } }));
  // An environment chain: staging first, prod after a soak, dr right after prod.
  const chain = handEstate();
  chain.images = chain.images.map((n) =>
    n.spec.name !== "report-worker"
      ? n
      : {
          ...n,
          spec: {
            ...n.spec,
            updates: [
              { repo: "acme/deploy", path: "staging", type: "kustomize-set-image" as const, branch: "main", environment: "staging" },
              { repo: "acme/deploy", path: "prod/values.yaml", type: "yaml-update" as const, key: "image.tag", branch: "main", environment: "prod", after: "staging", soak: "1d12h" },
              { repo: "acme/deploy", path: "dr", type: "kustomize-set-image" as const, branch: "main", environment: "dr", after: "prod" },
            ],
          },
        },
  );
  const windowed = handEstate();
  windowed.images = windowed.images.map((n) => ({ ...n, spec: { ...n.spec, rebuildWindow: { days: ["sat" as const, "sun" as const], from: "22:00", to: "04:00", timeZone: "America/New_York" } } }));
  const gitlabWindowed = gitlabEstate();
  gitlabWindowed.images = gitlabWindowed.images.map((n) => ({ ...n, spec: { ...n.spec, rebuildWindow: { days: ["sat" as const, "sun" as const], from: "22:00", to: "04:00", timeZone: "Europe/London" } } }));
  return [
    ["example, with analysis", handEstate(), "acme/image-factory"],
    ["an environment chain", chain, undefined],
    ["example, without analysis", handEstate(), undefined],
    ["semver and lexical bases, updates everywhere", { ...tagged, images: long.images }, "acme/image-factory"],
    [
      "semver and lexical bases, with every notification",
      { ...tagged },
      "acme/image-factory",
      { notifications: { stack: "prod", events: ["dispatched", "built", "failed"], factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" } },
    ],
    [
      "rebuild windows on every image, with every notification",
      windowed,
      "acme/image-factory",
      { notifications: { stack: "prod", events: ["dispatched", "built", "failed"], factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" } },
    ],
    ["with GitLab sources (gitlab.com and self-managed)", gitlabEstate(), "acme/image-factory"],
    [
      "GitLab sources with rebuild windows, with every notification",
      gitlabWindowed,
      "acme/image-factory",
      { notifications: { stack: "prod", events: ["dispatched", "built", "failed"], factoryRepo: "acme/image-factory", factoryBranch: "main", workflow: "notify.yml" } },
    ],
  ];
}

/** A Freight for every image subscription of the plan, as a Stage holding them all would. */
function fullCollection(objects: KubernetesObject[]): Record<string, SimulatedImage[]> {
  const out: Record<string, SimulatedImage[]> = {};
  for (const o of objects as Array<KubernetesObject & { spec?: any }>) {
    if (o.kind !== "Warehouse") continue;
    out[o.metadata.name] = (o.spec.subscriptions as Array<{ image?: { repoURL: string } }>)
      .filter((s) => s.image)
      .map((s, i) => ({ RepoURL: s.image!.repoURL, Tag: "1.2.3", Digest: `sha256:${String(i + 1).repeat(64)}` }));
  }
  return out;
}

/** A commit for every git subscription of the plan. */
function commitCollection(objects: KubernetesObject[]): Record<string, Array<{ RepoURL: string; ID: string }>> {
  const out: Record<string, Array<{ RepoURL: string; ID: string }>> = {};
  for (const o of objects as Array<KubernetesObject & { spec?: any }>) {
    if (o.kind !== "Warehouse") continue;
    const git = (o.spec.subscriptions as Array<{ git?: { repoURL: string } }>).filter((s) => s.git);
    if (git.length > 0) out[o.metadata.name] = git.map((s) => ({ RepoURL: s.git!.repoURL, ID: "0123456789abcdef0123456789abcdef01234567" }));
  }
  return out;
}

describe.skipIf(!haveRef)("Kargo objects against the v1.11 CRDs and JSON Schemas", () => {
  const crd = (kind: string) => crdValidator(`kargo-crds/kargo.akuity.io_${kind.toLowerCase()}s.yaml`, "v1alpha1");

  for (const [label, estate, factoryRepo, extra] of estates()) {
    const { objects } = planKargo(estate, { project: "image-factory", factoryRepo, ...extra });

    it(`${label}: every object against its CRD, with a valid name`, () => {
      const validators = new Map<string, ReturnType<typeof crd>>();
      for (const o of objects) {
        if (!validators.has(o.kind)) validators.set(o.kind, crd(o.kind));
        const validate = validators.get(o.kind)!;
        expect(validate(o), `${o.kind}/${o.metadata.name}: ${ajvErrors(validate)}`).toBe(true);
        expect(o.metadata.name, `${o.kind} name`).toMatch(DNS1123_LABEL);
        expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      }
    });

    it(`${label}: every subscription and step config against Kargo's own schemas, before and after evaluation`, () => {
      const schemas = kargoJsonSchemas();
      const freight = fullCollection(objects);
      let steps = 0;
      for (const o of objects as Array<KubernetesObject & { spec?: any }>) {
        for (const sub of o.kind === "Warehouse" ? o.spec.subscriptions : []) {
          const [kind] = Object.keys(sub);
          const validate = schemas.subscription(kind);
          expect(validate(sub[kind]), `${o.metadata.name} ${kind}: ${ajvErrors(validate)}`).toBe(true);
          // Subscriptions are not evaluated: an expression there would be taken literally.
          expect(JSON.stringify(sub)).not.toMatch(/\$\{[{%]/);
        }
        const origins = o.kind === "Stage" ? (o.spec.requestedFreight as Array<{ origin: { name: string } }>).map((r) => r.origin.name) : [];
        for (const step of o.kind === "Stage" ? o.spec.promotionTemplate.spec.steps : []) {
          const validate = schemas.step(step.uses);
          expect(validate, `no schema for step ${step.uses}`).toBeDefined();
          // As written (expressions not yet evaluated).
          expect(stepConfigErrors(validate!, step.config), `${o.metadata.name} ${step.as}`).toBeUndefined();
          // As Kargo validates it: after evaluation, for a Promotion of each requested origin.
          for (const target of origins) {
            const env = promotionEnv({
              stage: o.metadata.name,
              collection: freight,
              commits: commitCollection(objects),
              target,
              secrets: { "github-credentials": { password: "token" } },
              stageMetadata: { [`seen-${target}`]: "f0" },
              outputs: {
                dispatch: { runId: "17180000000", runUrl: "https://github.com/acme/platform/actions/runs/17180000000" },
                ...Object.fromEntries(
                  Array.from({ length: 10 }, (_, i) => [
                    [`clone-${i}`, { commits: { target: "a1" } }],
                    [`commit-${i}`, { commit: "b2" }],
                    [`push-${i}`, { branch: "kargo/promotion/p" }],
                    [`open-pr-${i}`, { pr: { id: 7 + i, url: "https://github.com/acme/deploy/pull/7" } }],
                  ]).flat(),
                ),
              },
            });
            // A step's `if` is an expression that must come out a bool.
            if (step.if !== undefined) expect(typeof evaluateTemplate(step.if, env), `${o.metadata.name} ${step.as} if`).toBe("boolean");
            const evaluated = evaluateConfig(step.config, env);
            expect(validate!(evaluated), `${o.metadata.name} ${step.as} (promoting ${target}): ${ajvErrors(validate!)}`).toBe(true);
            expect(JSON.stringify(evaluated)).not.toMatch(/\$\{[{%]/);
          }
          steps++;
        }
      }
      expect(steps).toBeGreaterThan(10);
    });
  }

  it("the checks can fail: a removed field, a misspelt step field and a day duration are caught", () => {
    const schemas = kargoJsonSchemas();
    expect(schemas.subscription("image")({ repoURL: "docker.io/library/node", semverConstraint: "^1" })).toBe(false);
    expect(schemas.subscription("image")({ repoURL: "docker.io/library/node:22" })).toBe(false);
    expect(schemas.step("http")!({ url: "https://x", header: [] })).toBe(false);
    expect(crd("Stage")({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Stage", metadata: { name: "x" }, spec: { requestedFreight: [{ origin: { kind: "Warehouse", name: "w" }, sources: { requiredSoakTime: "7d" } }] } })).toBe(false);
    expect(crd("Project")({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Project", metadata: { name: "x" }, spec: { promotionPolicies: [] } })).toBe(false);
    expect(crd("Warehouse")({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Warehouse", metadata: { name: "x" }, spec: { interval: "1d", subscriptions: [{}] } })).toBe(false);
  });

  it("tolerates an expression only where Kargo evaluates it first, never a structural mistake", () => {
    const push = kargoJsonSchemas().step("git-push")!;
    expect(isExpression("${{ vars.n }}")).toBe(true);
    // A number that an expression will provide: fine before evaluation.
    expect(stepConfigErrors(push, { path: "./x", targetBranch: "main", maxAttempts: "${{ vars.attempts }}" })).toBeUndefined();
    // A literal that is not a number, or an unknown field, is an error either way.
    expect(stepConfigErrors(push, { path: "./x", targetBranch: "main", maxAttempts: "three" })).toMatch(/maxAttempts/);
    expect(stepConfigErrors(push, { path: "./x", targetBranch: "main", branch: "${{ vars.b }}" })).toMatch(/additional/);
  });
});
