// Every Kargo object the estate declares, checked against Kargo v1.11's CRDs and the JSON
// Schemas Kargo applies to Warehouse subscriptions and step configs (the CRDs do not).
import { describe, expect, it } from "vitest";
import { planKargo } from "../../src/kargo";
import { ajvErrors, crdValidator, kargoJsonSchemas, REF_DIR, refFile } from "../helpers/ref-schemas";
import { exampleEstate } from "./fixtures";

const haveRef = refFile("kargo-crds/kargo.akuity.io_stages.yaml") !== undefined;
if (!haveRef) console.warn(`Kargo reference schemas not found under ${REF_DIR}: schema validation skipped`);

describe.skipIf(!haveRef)("Kargo objects against the v1.11 CRDs and JSON Schemas", () => {
  const { objects } = planKargo(exampleEstate(), { project: "image-factory", factoryRepo: "acme/image-factory" });
  const crd = (kind: string) => crdValidator(`kargo-crds/kargo.akuity.io_${kind.toLowerCase()}s.yaml`, "v1alpha1");

  it("validates every object against its CRD", () => {
    const validators = new Map<string, ReturnType<typeof crd>>();
    for (const o of objects) {
      if (!validators.has(o.kind)) validators.set(o.kind, crd(o.kind));
      const validate = validators.get(o.kind)!;
      expect(validate(o), `${o.kind}/${o.metadata.name}: ${ajvErrors(validate)}`).toBe(true);
    }
  });

  it("validates every subscription and step config against Kargo's own schemas", () => {
    const schemas = kargoJsonSchemas();
    let steps = 0;
    for (const o of objects as Array<{ kind: string; metadata: { name: string }; spec?: any }>) {
      for (const sub of o.kind === "Warehouse" ? o.spec.subscriptions : []) {
        const [kind] = Object.keys(sub);
        const validate = schemas.subscription(kind);
        expect(validate(sub[kind]), `${o.metadata.name} ${kind}: ${ajvErrors(validate)}`).toBe(true);
      }
      for (const step of o.kind === "Stage" ? o.spec.promotionTemplate.spec.steps : []) {
        const validate = schemas.step(step.uses);
        expect(validate, `no schema for step ${step.uses}`).toBeDefined();
        expect(validate!(step.config), `${o.metadata.name} ${step.as}: ${ajvErrors(validate!)}`).toBe(true);
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(10);
  });

  it("the checks can fail: a removed field and a misspelt step field are caught", () => {
    const schemas = kargoJsonSchemas();
    expect(schemas.subscription("image")({ repoURL: "docker.io/library/node", semverConstraint: "^1" })).toBe(false);
    expect(schemas.step("http")!({ url: "https://x", header: [] })).toBe(false);
    expect(crd("Stage")({ apiVersion: "kargo.akuity.io/v1alpha1", kind: "Stage", metadata: { name: "x" }, spec: { requestedFreight: [{ origin: { kind: "Warehouse", name: "w" }, sources: { requiredSoakTime: "7d" } }] } })).toBe(false);
  });
});
