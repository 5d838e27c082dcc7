/**
 * The Argo CD Application that syncs the committed Kargo manifests (gitops delivery), as
 * plain data. It replaces the original's hand-written Application, with its defects fixed:
 * the source reads the folder the files are actually in, recursively (the per-repository
 * files are in subfolders), and the destination namespace is the Kargo Project's.
 *
 * One Application syncs the whole set: a Stage in one file refers to Warehouses in others
 * (a base's in shared.yaml, a parent image's in another repository's file), and one sync
 * with PruneLast applies them together.
 */
import type { StackSettings } from "../config/stack";
import { MANIFEST_INCLUDE } from "../gitops/manifests";

export type DeliverySettings = StackSettings["delivery"];

/** The annotation Kargo sets on a Warehouse or Stage to ask for a refresh. */
export const KARGO_REFRESH_POINTER = "/metadata/annotations/kargo.akuity.io~1refresh";

export interface ApplicationArgs {
  delivery: DeliverySettings;
  /** The Kargo Project: the namespace its objects live in. */
  kargoProject: string;
}

export interface ArgoApplication {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "Application";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

export function repoURL(repo: string): string {
  return `https://github.com/${repo}.git`;
}

export function buildApplication(args: ApplicationArgs): ArgoApplication {
  const { delivery } = args;
  if (delivery.mode !== "gitops" || !delivery.repo) throw new Error("the Argo CD Application only exists in gitops delivery mode, with delivery.repo set");
  const folder = delivery.path.replace(/\/+$/, "") || ".";
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: delivery.argocd.name,
      namespace: delivery.argocd.namespace,
      labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "image-factory" },
      // No resources-finalizer: deleting the Application (e.g. switching to direct mode)
      // must leave the Kargo objects in place for Pulumi to take over, not cascade-delete them.
    },
    spec: {
      project: delivery.argocd.project,
      source: {
        repoURL: repoURL(delivery.repo),
        targetRevision: delivery.branch,
        path: folder,
        // Only the generated files, in the folder and its repos/ subfolders: anything else
        // there is not ours to apply. Argo CD matches the include glob against each file's
        // path relative to `path`, with no separator (reposerver/repository/repository.go
        // findManifests, util/glob/glob.go Match), so `repos/*.yaml` covers repos/<owner>/<repo>.yaml.
        directory: { recurse: true, include: MANIFEST_INCLUDE },
      },
      destination: { server: delivery.argocd.server, namespace: args.kargoProject },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: [
          // The namespace must exist before the Warehouses and Stages in it are dry-run and
          // applied. Argo CD creates it first, labelled so Kargo adopts it for the Project.
          "CreateNamespace=true",
          // Delete removed objects only once everything else is applied, so nothing new is left
          // briefly pointing at an object already gone.
          "PruneLast=true",
          // Also on sync, leave the refresh annotation Kargo writes at runtime alone.
          "RespectIgnoreDifferences=true",
        ],
        managedNamespaceMetadata: { labels: { "kargo.akuity.io/project": "true" } },
        retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
      },
      // Kargo's UI and CLI request a refresh by annotating the object; that is not drift.
      ignoreDifferences: [
        { group: "kargo.akuity.io", kind: "Warehouse", jsonPointers: [KARGO_REFRESH_POINTER] },
        { group: "kargo.akuity.io", kind: "Stage", jsonPointers: [KARGO_REFRESH_POINTER] },
      ],
    },
  };
}
