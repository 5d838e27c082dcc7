/**
 * The image-factory CrossGuard policies. policy/index.ts builds the pack from them; tests call
 * them directly (building a PolicyPack starts a gRPC server, so only index.ts does).
 *
 * What a policy sees: every resource of the stack as the program declares it, with secrets
 * already unwrapped and with protect, ignoreChanges, additionalSecretOutputs and parent from
 * its options. It does not see retainOnDelete, the previous state, or deletions as such.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";

export const KARGO_API_VERSION = "kargo.akuity.io/v1alpha1";
const SECRET_TYPE = "kubernetes:core/v1:Secret";
const REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile";
const KARGO_PROJECT = `kubernetes:${KARGO_API_VERSION}:Project`;
const ARGO_APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const GITOPS_DELIVERY = "image-factory:argocd:GitopsDelivery";
/** The Secret Kargo's dispatch steps read the GitHub token from. */
export const GITHUB_CREDENTIALS_SECRET = "github-credentials";

/** Kargo's duration syntax (the CRD pattern of Warehouse interval and requiredSoakTime). */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(s|m|h))+$/;

// ---------------------------------------------------------------------------------------------
// 1. Secrets stay secret

const SECRET_FIELDS = ["data", "stringData"] as const;

/**
 * A Kubernetes Secret must be declared so that Pulumi treats its data as secret: with the
 * typed k8s.core.v1.Secret, which marks data and stringData secret (additionalSecretOutputs).
 * A Secret declared any other way (a CustomResource or YAML of kind Secret) would keep its
 * values in plain text in the state and in every preview.
 */
export const secretsAreSecret: ResourceValidationPolicy = {
  name: "kubernetes-secret-data-is-secret",
  description: "Kubernetes Secrets are declared as k8s.core.v1.Secret with data and stringData marked secret.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!args.type.startsWith("kubernetes:")) return;
    const kind = args.props?.kind;
    if (args.type === SECRET_TYPE) {
      const missing = SECRET_FIELDS.filter((f) => args.props?.[f] !== undefined && !args.opts.additionalSecretOutputs.includes(f));
      if (missing.length > 0) report(`Secret ${describe(args.props)}: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not marked secret (additionalSecretOutputs)`);
      return;
    }
    if (kind === "Secret" || kind === "SecretList") {
      report(`${describe(args.props)} is declared as ${args.type}: declare Secrets with k8s.core.v1.Secret so Pulumi keeps their data secret`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 2. The Kargo Project and the credentials Secret are not deleted by accident

export interface ProtectionConfig {
  /** Allow these resources without `protect: true`: the explicit override before deleting them. */
  allowUnprotected?: boolean;
}

function isCritical(r: { type: string; props: Record<string, unknown> }): string | undefined {
  if (r.type === KARGO_PROJECT) return `the Kargo Project ${describe(r.props)}`;
  const metadata = r.props?.metadata as { name?: unknown } | undefined;
  if (r.type === SECRET_TYPE && metadata?.name === GITHUB_CREDENTIALS_SECRET) return `the ${GITHUB_CREDENTIALS_SECRET} Secret ${describe(r.props)}`;
  return undefined;
}

/**
 * A policy cannot see a deletion, but Pulumi refuses to delete a protected resource. So the
 * Kargo Project (deleting it deletes its namespace, every Warehouse, Stage and Freight) and
 * the github-credentials Secret (every rebuild dispatch needs it) must be `protect: true`.
 * Deleting one on purpose takes two reviewed steps: an `up` with the policy's
 * allowUnprotected override and protect removed, then the `up` that removes it.
 *
 * Not caught: `pulumi destroy` and `pulumi state delete`/`unprotect` (no program run),
 * deletion outside Pulumi (kubectl, Argo CD pruning the GitOps file), and retainOnDelete,
 * which CrossGuard does not see.
 */
export const criticalResourcesProtected: ResourceValidationPolicy = {
  name: "kargo-critical-resources-protected",
  description: "The Kargo Project and the github-credentials Secret are protect: true, unless allowUnprotected is set.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { allowUnprotected: { type: "boolean", default: false } } },
  validateResource: (args, report) => {
    const what = isCritical(args);
    if (!what || args.opts.protect) return;
    if (args.getConfig<ProtectionConfig>().allowUnprotected) return;
    report(
      `${what} must be declared with protect: true, so that \`pulumi up\` cannot delete it by accident; ` +
        "to delete it on purpose, first apply with protect removed and this policy's allowUnprotected set",
    );
  },
};

/**
 * Removing the Kargo Project from the program would delete it on the next `up`. The stack
 * must keep declaring it: as a resource (direct delivery) or inside the manifest file Argo CD
 * syncs (GitOps delivery, where Argo CD would prune it).
 */
export const kargoProjectDeclared: StackValidationPolicy = {
  name: "kargo-project-declared",
  description: "The stack declares a Kargo Project, as a resource or in its GitOps manifest file.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { allowUnprotected: { type: "boolean", default: false } } },
  validateStack: (args, report) => {
    if (args.getConfig<ProtectionConfig>().allowUnprotected) return;
    if (args.resources.some((r) => r.type === KARGO_PROJECT)) return;
    const gitops = args.resources.some((r) => r.type === GITOPS_DELIVERY);
    const inManifests = args.resources.some((r) => manifestObjects(r).some((o) => o.apiVersion === KARGO_API_VERSION && o.kind === "Project"));
    if (inManifests) return;
    report(
      gitops
        ? "no Kargo Project in the GitOps manifest file: Argo CD would prune it, and with it every Warehouse, Stage and Freight"
        : "the stack declares no Kargo Project: applying it would delete the Project and everything in its namespace",
    );
  },
};

// ---------------------------------------------------------------------------------------------
// 3. Kargo durations

interface Finding {
  where: string;
  value: unknown;
}

/** Every duration field of a Kargo object that must be a Go duration. */
export function kargoDurations(o: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  const name = describe(o);
  if (o.kind === "Warehouse" && spec.interval !== undefined) out.push({ where: `Warehouse ${name}: spec.interval`, value: spec.interval });
  if (o.kind === "Stage") {
    asArray(spec.requestedFreight).forEach((f, i) => {
      const soak = (f?.sources as Record<string, unknown> | undefined)?.requiredSoakTime;
      if (soak !== undefined) out.push({ where: `Stage ${name}: spec.requestedFreight[${i}].sources.requiredSoakTime`, value: soak });
    });
    const template = (spec.promotionTemplate as { spec?: { steps?: unknown } } | undefined)?.spec;
    out.push(...stepDurations(asArray(template?.steps), `Stage ${name}: spec.promotionTemplate.spec.steps`));
  }
  if (o.kind === "PromotionTask" || o.kind === "ClusterPromotionTask") out.push(...stepDurations(asArray(spec.steps), `${o.kind} ${name}: spec.steps`));
  return out;
}

function stepDurations(steps: Array<Record<string, unknown>>, at: string): Finding[] {
  const out: Finding[] = [];
  steps.forEach((step, i) => {
    const retry = step.retry as Record<string, unknown> | undefined;
    if (retry?.timeout !== undefined) out.push({ where: `${at}[${i}].retry.timeout`, value: retry.timeout });
    const config = step.config as Record<string, unknown> | undefined;
    if (step.uses === "http" && config) {
      for (const key of ["timeout", "pollInterval"]) if (config[key] !== undefined) out.push({ where: `${at}[${i}].config.${key}`, value: config[key] });
    }
  });
  return out;
}

function isExpression(v: unknown): boolean {
  // `${{ ... }}` is evaluated by Kargo at promotion time: it cannot be checked here.
  return typeof v === "string" && v.includes("${{");
}

/**
 * Warehouse interval, Stage requiredSoakTime, step retry.timeout and http step timeout and
 * pollInterval are Go durations (s, m, h only: 7 days is 168h). Kargo objects are checked
 * where they are declared: as resources, or inside the GitOps manifest file.
 */
export const kargoDurationsValid: ResourceValidationPolicy = {
  name: "kargo-durations-valid",
  description: "Durations in Kargo Warehouses, Stages and PromotionTasks are Go durations (e.g. 168h, 5m0s).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const objects = args.type.startsWith(`kubernetes:${KARGO_API_VERSION}:`) ? [args.props] : manifestObjects(args);
    for (const o of objects) {
      if (o.apiVersion !== KARGO_API_VERSION) continue;
      for (const f of kargoDurations(o)) {
        if (isExpression(f.value)) continue;
        if (typeof f.value !== "string" || !GO_DURATION.test(f.value)) {
          report(`${f.where} is ${JSON.stringify(f.value)}, not a Go duration such as 168h or 5m0s (units s, m, h)`);
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 4. What the stack may commit to GitHub

export interface RepositoryFileConfig {
  /** More folders files may be committed to (repository-relative, without trailing slash). */
  extraPaths?: string[];
}

/**
 * The stack commits build workflows (directly in .github/workflows/: GitHub ignores
 * subfolders) and, in GitOps mode, the manifests in the folder its Argo CD Application syncs.
 * Anything else is a file the factory has no business writing.
 */
export const repositoryFilesScoped: StackValidationPolicy = {
  name: "repository-files-scoped",
  description: "RepositoryFiles are only .github/workflows/*.yml files or files in the folder the stack's Argo CD Application syncs.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { extraPaths: { type: "array", items: { type: "string" }, default: [] } } },
  validateStack: (args, report) => {
    const gitopsPaths = args.resources
      .filter((r) => r.type === ARGO_APPLICATION)
      .flatMap((r) => {
        const spec = r.props?.spec as { source?: { path?: unknown }; sources?: Array<{ path?: unknown }> } | undefined;
        return [spec?.source?.path, ...(spec?.sources ?? []).map((s) => s?.path)].filter((p): p is string => typeof p === "string");
      });
    const allowed = [...gitopsPaths, ...(args.getConfig<RepositoryFileConfig>().extraPaths ?? [])].map((p) => p.replace(/^\.?\/+|\/+$/g, "")).filter((p) => p !== "" && p !== ".");
    for (const r of args.resources.filter((x) => x.type === REPOSITORY_FILE)) {
      const file = r.props?.file;
      const repo = r.props?.repository;
      if (typeof file !== "string") continue;
      if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(file)) continue;
      if (allowed.some((dir) => file.startsWith(`${dir}/`) && !file.slice(dir.length + 1).split("/").includes(".."))) continue;
      report(
        `${r.name} commits ${repo}:${file}, outside .github/workflows/ and the GitOps folder${gitopsPaths.length ? `s (${gitopsPaths.join(", ")})` : " (no Argo CD Application declared)"}`,
      );
    }
  },
};

export const policies = [secretsAreSecret, criticalResourcesProtected, kargoProjectDeclared, kargoDurationsValid, repositoryFilesScoped];

// ---------------------------------------------------------------------------------------------
// Helpers

/** The Kubernetes objects in a RepositoryFile that holds YAML manifests; none otherwise. */
export function manifestObjects(r: Pick<PolicyResource, "type" | "props">): Array<Record<string, unknown>> {
  if (r.type !== REPOSITORY_FILE) return [];
  const file = r.props?.file;
  const content = r.props?.content;
  if (typeof file !== "string" || typeof content !== "string" || !/\.ya?ml$/.test(file) || file.startsWith(".github/")) return [];
  const objects: Array<Record<string, unknown>> = [];
  for (const doc of parseAllDocuments(content)) {
    if (doc.errors.length > 0) continue;
    const value = doc.toJS() as unknown;
    if (value && typeof value === "object" && !Array.isArray(value) && typeof (value as Record<string, unknown>).kind === "string") objects.push(value as Record<string, unknown>);
  }
  return objects;
}

function describe(o: Record<string, unknown> | undefined): string {
  const m = (o?.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return `${typeof m.namespace === "string" ? `${m.namespace}/` : ""}${typeof m.name === "string" ? m.name : "(unnamed)"}`;
}

function asArray(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === "object") as Array<Record<string, unknown>>) : [];
}

export type { ReportViolation, ResourceValidationArgs, StackValidationArgs };
