/**
 * KargoEstate: declares the Kargo objects planned by planKargo, and the Secrets they read.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Estate } from "../model/types";
import { type KargoOptions, planKargo } from "./objects";
import type { RegistryPolling } from "./polling";
import { gitCredentialsSecret, githubCredentialsSecret, type SecretShape } from "./secrets";

export interface KargoEstateArgs {
  /** The estate model (images in rebuild order, watched bases). */
  estate: Estate;
  /** Project name, polling settings and the factory repo for analysis. */
  options: KargoOptions;
  /** The token the rebuild dispatch and git steps use; kept a secret whatever is passed. */
  githubToken: pulumi.Input<string>;
  /**
   * Whether Pulumi applies the Kargo objects itself (direct delivery). With GitOps delivery
   * they are committed for Argo CD instead, and only the Secrets are applied here.
   */
  applyObjects?: boolean;
}

export class KargoEstate extends pulumi.ComponentResource {
  /** The Project (and namespace) name. */
  readonly project: string;
  /** Polling per registry, for reports. */
  readonly polling: RegistryPolling[];

  constructor(name: string, args: KargoEstateArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = planKargo(args.estate, args.options);
    super("image-factory:kargo:KargoEstate", name, {}, opts);
    this.project = args.options.project;
    this.polling = plan.polling;
    const token = pulumi.secret(args.githubToken);

    const applied = new Map<string, k8s.apiextensions.CustomResource>();
    let projectResource: pulumi.Resource | undefined;
    if (args.applyObjects ?? true) {
      for (const object of plan.objects) {
        const logical = `${name}-${object.kind.toLowerCase()}-${object.metadata.name}`;
        const namespaced = object.kind !== "Project";
        const resource = new k8s.apiextensions.CustomResource(logical, object, {
          parent: this,
          // Kargo creates the namespace with the Project and rejects objects in a namespace it does not own.
          dependsOn: namespaced && projectResource ? [projectResource] : [],
        });
        if (!namespaced) projectResource = resource;
        applied.set(logical, resource);
      }
    }

    const secret = (shape: SecretShape) =>
      new k8s.core.v1.Secret(
        `${name}-secret-${shape.name}`,
        {
          metadata: { name: shape.name, namespace: shape.namespace, labels: shape.labels },
          type: "Opaque",
          stringData: pulumi.all([token]).apply(([t]) => ({ ...shape.plain, [shape.tokenKey]: t })),
        },
        { parent: this, dependsOn: projectResource ? [projectResource] : [], additionalSecretOutputs: ["data", "stringData"] },
      );
    secret(githubCredentialsSecret(args.options.project));
    const git = gitCredentialsSecret(args.options.project, plan.gitRepos);
    if (git) secret(git);

    this.registerOutputs({ project: this.project });
  }
}
