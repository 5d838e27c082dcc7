/**
 * Which of the Project's credential Secrets a Kargo object uses, so the object is applied only
 * after them. Pure: it reads the object as planned and the Secrets' shapes.
 *
 * - A Warehouse subscription's repoURL is looked up the way Kargo finds a credential: a Secret
 *   of the subscription's credential type (`image` or `git`) whose `repoURL` matches it (as a
 *   regex when `repoURLIsRegex`), so a Warehouse on a private registry never polls before its
 *   credential exists.
 * - A Stage uses the Secrets its steps name in `secret('<name>')` (the rebuild and analysis
 *   dispatches read github-credentials), and the git credentials matching the repoURL of each
 *   git step (clone, push, open PR).
 */
import type { KubernetesObject } from "../gitops/manifests";
import type { SecretShape } from "./secrets";

const CRED_TYPE = "kargo.akuity.io/cred-type";
const GIT_STEPS = new Set(["git-clone", "git-commit", "git-push", "git-open-pr", "git-wait-for-pr", "git-merge-pr"]);

/** The names of the Secrets in `secrets` that `object` uses, sorted. */
export function credentialsUsedBy(object: KubernetesObject, secrets: readonly SecretShape[]): string[] {
  const used = new Set<string>();
  const matching = (type: string, repoURL: unknown) => {
    if (typeof repoURL !== "string") return;
    for (const s of secrets) if (s.labels[CRED_TYPE] === type && matches(s, repoURL)) used.add(s.name);
  };
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  if (object.kind === "Warehouse") {
    for (const sub of asArray(spec.subscriptions)) {
      const s = sub as { image?: { repoURL?: unknown }; git?: { repoURL?: unknown } };
      matching("image", s.image?.repoURL);
      matching("git", s.git?.repoURL);
    }
  }
  if (object.kind === "Stage") {
    const named = new Set([...JSON.stringify(spec).matchAll(/secret\('([a-z0-9.-]+)'\)/g)].map((m) => m[1]));
    for (const s of secrets) if (named.has(s.name)) used.add(s.name);
    const steps = asArray((spec.promotionTemplate as { spec?: { steps?: unknown } } | undefined)?.spec?.steps);
    for (const step of steps) {
      const st = step as { uses?: string; config?: { repoURL?: unknown } };
      if (st.uses && GIT_STEPS.has(st.uses)) matching("git", st.config?.repoURL);
    }
  }
  return [...used].sort();
}

function matches(secret: SecretShape, repoURL: string): boolean {
  const pattern = secret.plain.repoURL;
  if (pattern === undefined) return false;
  return secret.plain.repoURLIsRegex === "true" ? new RegExp(pattern).test(repoURL) : pattern === repoURL;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
