/**
 * KargoEstate: declares the Kargo objects planned by planKargo, and the Secrets they read.
 * It only declares resources; every decision is in the pure planKargo.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { declareInBatches } from "../batches";
import type { KubernetesObject } from "../gitops/manifests";
import type { Estate } from "../model/types";
import { credentialsUsedBy } from "./credentials-used";
import { type KargoOptions, type KargoPlan, planKargo } from "./objects";
import type { RegistryPolling } from "./polling";
import {
  gitCredentialsSecret,
  githubCredentialsSecret,
  gitlabCredentialsSecret,
  gitlabGitCredentialsSecrets,
  imageCredentialSecret,
  type RegistryCredential,
  type SecretShape,
} from "./secrets";

export interface KargoEstateArgs {
  /** The estate model (images in rebuild order, watched bases). */
  estate: Estate;
  /** Project name, polling settings and the factory repo for analysis. */
  options: KargoOptions;
  /** The token the rebuild dispatch and git steps use; kept a secret whatever is passed. */
  githubToken: pulumi.Input<string>;
  /**
   * The GitLab token (stack secret gitlabToken) the pipeline steps and the GitLab source
   * Warehouses use; required when the estate has GitLab sources. Kept a secret.
   */
  gitlabToken?: pulumi.Input<string>;
  /** Registries Kargo logs in to (registryCredentials()): one image credential Secret each. */
  registryCredentials?: RegistryCredential[];
  /** Their tokens by host; kept a secret whatever is passed. */
  registryTokens?: pulumi.Input<Record<string, string>>;
  /**
   * Whether Pulumi applies the Kargo objects itself (direct delivery, the default). With GitOps
   * delivery they are committed for Argo CD instead, and only the Secrets are applied here.
   */
  applyObjects?: boolean;
  /**
   * Whether to create the Project's namespace, labelled so Kargo adopts it for the Project.
   * Default: when the objects are not applied here (GitOps), because the Secrets must have a
   * namespace before Argo CD has synced the Project. Never deleted with the stack.
   */
  ensureNamespace?: boolean;
  /**
   * Declare the Project and the github-credentials Secret with `protect: true` (default), so
   * no `pulumi up` deletes them by accident: deleting the Project deletes every Warehouse,
   * Stage and Freight, and without the Secret no rebuild can be dispatched.
   */
  protect?: boolean;
  /**
   * The workflow files this stack commits, keyed `owner/repo:branch:path`
   * (GithubEstate.workflowFileResources). A rebuild Stage whose dispatch target is among them
   * is applied after it: a dispatch of a workflow that is not committed yet is a 404, and the
   * failed Promotion is not retried.
   */
  workflowFiles?: ReadonlyMap<string, pulumi.Input<pulumi.Resource>>;
}

export class KargoEstate extends pulumi.ComponentResource {
  /** The Project (and namespace) name. */
  readonly project: string;
  /** Polling per registry, for reports. */
  readonly polling: RegistryPolling[];
  /** The Kargo objects as plain data (what GitOps delivery commits). */
  readonly objects: KubernetesObject[];
  /**
   * Settles when every child is declared: a large estate declares its objects in batches
   * (see batches.ts). The program awaits it before it returns.
   */
  readonly ready: Promise<void>;
  /** The credential Secrets (and the namespace they live in, when declared here). */
  readonly credentials: pulumi.Resource[];
  /** The workflow files the Kargo objects dispatch (their keys), sorted: what GitOps delivery must commit after. */
  readonly dispatchedFiles: string[];
  /** The Project's namespace, when this component creates it (GitOps delivery). */
  readonly namespace?: k8s.core.v1.Namespace;

  constructor(name: string, args: KargoEstateArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan and check first: a UserError or a missing provider leaves nothing registered.
    const plan = planKargo(args.estate, args.options);
    // An explicit provider: falling back to the ambient kubeconfig could apply the estate to
    // whatever cluster the machine happens to point at.
    const provider = kubernetesProviderOf(opts);
    if (!provider) throw new Error("KargoEstate needs an explicit Kubernetes provider (opts.provider, opts.providers, or its parent's)");
    const gitlabGit = gitlabGitCredentialsSecrets(args.options.project, plan.gitlabRepos);
    if ((plan.gitlabPipelines || gitlabGit.length > 0) && args.gitlabToken === undefined) throw new Error("KargoEstate needs gitlabToken: the estate has GitLab sources");
    super("image-factory:kargo:KargoEstate", name, {}, opts);
    this.project = args.options.project;
    this.polling = plan.polling;
    this.objects = plan.objects;

    const token = pulumi.secret(args.githubToken);
    const applyObjects = args.applyObjects ?? true;
    const protect = args.protect ?? true;

    // Kargo creates the namespace with the Project and rejects objects in a namespace it does
    // not own, so everything namespaced waits for the Project (or for the adopted namespace).
    let namespaceOwner: pulumi.Resource | undefined;
    let projectResource: pulumi.Resource | undefined;
    const [project, ...namespaced] = plan.objects;
    if (applyObjects) {
      if (project.kind !== "Project") throw new Error("planKargo must put the Project first");
      projectResource = new k8s.apiextensions.CustomResource(logicalName(name, project), project, { parent: this, provider, protect });
      namespaceOwner = projectResource;
    }
    this.credentials = [];
    if (args.ensureNamespace ?? !applyObjects) {
      this.namespace = new k8s.core.v1.Namespace(
        `${name}-namespace-${this.project}`,
        {
          metadata: {
            name: this.project,
            // The label Kargo's Project webhook looks for to adopt an existing namespace.
            labels: { "kargo.akuity.io/project": "true" },
            // The namespace holds this stack's Secrets, and Argo CD may delete and recreate the
            // Project it syncs: without this Kargo deletes the namespace with the Project
            // (akuity/kargo v1.11.2 pkg/controller/management/projects/projects.go
            // `shouldKeepNamespace` reads it from the Project or the namespace).
            annotations: { "kargo.akuity.io/keep-namespace": "true" },
          },
        },
        // The namespace holds the Project's objects, which this stack may not own: never delete it.
        { parent: this, provider, retainOnDelete: true, dependsOn: namespaceOwner ? [namespaceOwner] : [] },
      );
      namespaceOwner = this.namespace;
      this.credentials.push(namespaceOwner);
    }

    const shapes: SecretShape[] = [];
    const secretResources = new Map<string, k8s.core.v1.Secret>();
    const secret = (shape: SecretShape, protectIt: boolean, value: pulumi.Output<string> = token) => {
      const resource = new k8s.core.v1.Secret(
        `${name}-secret-${shape.name}`,
        {
          metadata: { name: shape.name, namespace: shape.namespace, labels: shape.labels },
          type: "Opaque",
          stringData: value.apply((t) => ({ ...shape.plain, [shape.tokenKey]: t })),
        },
        {
          parent: this,
          provider,
          dependsOn: namespaceOwner ? [namespaceOwner] : [],
          additionalSecretOutputs: ["data", "stringData"],
          protect: protectIt,
        },
      );
      shapes.push(shape);
      secretResources.set(shape.name, resource);
      this.credentials.push(resource);
    };
    secret(githubCredentialsSecret(this.project), protect);
    // git-credentials goes away by itself when no image has update targets or source repos.
    const git = gitCredentialsSecret(this.project, plan.gitRepos);
    if (git) secret(git, false);
    if (plan.gitlabPipelines || gitlabGit.length > 0) {
      const gitlabToken = pulumi.secret(args.gitlabToken!);
      if (plan.gitlabPipelines) secret(gitlabCredentialsSecret(this.project), false, gitlabToken);
      for (const shape of gitlabGit) secret(shape, false, gitlabToken);
    }
    const registryTokens = pulumi.secret(args.registryTokens ?? {});
    for (const credential of args.registryCredentials ?? []) {
      const shape = imageCredentialSecret(this.project, credential);
      const value = registryTokens.apply((tokens) => {
        const t = tokens[credential.host];
        if (typeof t !== "string" || t === "") throw new Error(`registryTokens has no token for ${credential.host}`);
        return t;
      });
      secret(shape, false, value);
    }

    // What each rebuild Stage dispatches, when this stack commits that workflow file.
    const dispatchKey = (d: KargoPlan["dispatches"][number]) => `${d.repo}:${d.branch}:${d.workflowPath}`;
    const fileOf = new Map<string, pulumi.Input<pulumi.Resource>>();
    for (const d of plan.dispatches) {
      const file = args.workflowFiles?.get(dispatchKey(d));
      if (file !== undefined) fileOf.set(d.stage, file);
    }
    this.dispatchedFiles = [...new Set(plan.dispatches.map(dispatchKey).filter((k) => args.workflowFiles?.has(k)))].sort();

    const declareObjects: Array<() => unknown> = [];
    if (applyObjects) {
      for (const object of namespaced) {
        const dependsOn: Array<pulumi.Input<pulumi.Resource>> = [projectResource!];
        for (const used of credentialsUsedBy(object, shapes)) dependsOn.push(secretResources.get(used)!);
        const file = object.kind === "Stage" ? fileOf.get(object.metadata.name) : undefined;
        if (file !== undefined) dependsOn.push(file);
        declareObjects.push(() => new k8s.apiextensions.CustomResource(logicalName(name, object), object, { parent: this, provider, dependsOn }));
      }
    }

    this.ready = declareInBatches(declareObjects).then(() => this.registerOutputs({ project: this.project }));
  }
}

/** The Kubernetes provider the options name, directly or through the parent. */
function kubernetesProviderOf(opts?: pulumi.ComponentResourceOptions): pulumi.ProviderResource | undefined {
  const listed = Array.isArray(opts?.providers) ? opts.providers : Object.values(opts?.providers ?? {});
  const found = [opts?.provider, ...listed].find((p) => p !== undefined && k8s.Provider.isInstance(p));
  return found ?? opts?.parent?.getProvider("kubernetes:core/v1:Secret");
}

/** Stable per kind and name, which planKargo keeps unique. */
function logicalName(component: string, object: KubernetesObject): string {
  return `${component}-${object.kind.toLowerCase()}-${object.metadata.name}`;
}
