// CrossGuard without the CLI: the arguments the analyzer would pass, built by hand or from the
// resources a mock run of the program recorded.
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { isSecretEnvelope, type RecordedResource } from "../../src/render/mock-runtime";

export interface Resource {
  type: string;
  name?: string;
  props: Record<string, unknown>;
  protect?: boolean;
  additionalSecretOutputs?: string[];
}

function notApplicable(reason?: string): never {
  throw new Error(`not applicable: ${reason ?? ""}`);
}

/** As the analyzer does: secrets are unwrapped into plain values. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretEnvelope(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

export function fromRecorded(r: RecordedResource): Resource {
  return { type: r.type, name: r.name, props: unwrapSecrets(r.inputs) as Record<string, unknown>, protect: r.protect, additionalSecretOutputs: r.additionalSecretOutputs };
}

function policyResource(r: Resource): PolicyResource {
  const name = r.name ?? "res";
  return {
    type: r.type,
    name,
    urn: `urn:pulumi:test::image-factory::${r.type}::${name}`,
    props: r.props,
    opts: { protect: r.protect ?? false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: r.additionalSecretOutputs ?? [] },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

export function resourceArgs(r: Resource, config: object = {}): ResourceValidationArgs {
  const { type, name, urn, props, opts } = policyResource(r);
  return {
    type,
    name,
    urn,
    props,
    opts,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

/** The violations a resource policy reports for each resource. */
export async function checkResources(policy: ResourceValidationPolicy, resources: readonly Resource[], config: object = {}): Promise<string[]> {
  const found: string[] = [];
  const report: ReportViolation = (message) => void found.push(message);
  const validations = [policy.validateResource ?? []].flat();
  for (const r of resources) for (const v of validations) await v(resourceArgs(r, config), report);
  return found;
}

export async function checkStack(policy: StackValidationPolicy, resources: readonly Resource[], config: object = {}): Promise<string[]> {
  const found: string[] = [];
  const args: StackValidationArgs = { resources: resources.map(policyResource), stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable };
  await policy.validateStack!(args, (message) => void found.push(message));
  return found;
}
