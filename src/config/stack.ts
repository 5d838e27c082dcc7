/**
 * Stack configuration (Pulumi.<stack>.yaml, namespace `image-factory`), validated with zod.
 *
 * Each key is a separate Pulumi config value. Plain keys are read as text or objects and
 * validated here; the one secret (githubToken) is only ever handled as a Pulumi secret
 * Output and never parsed, logged or returned in plain text.
 */
import * as path from "node:path";
import { z } from "zod";
import { type Problem, UserError } from "./errors";
import { notificationSettingsSchema, WEBHOOK_KEY } from "./notifications";
import { DEFAULT_GITLAB_HOST, dns1123Label, duration, gitlabHost, gitRefName, ownerRepo, registryHost, repoPath } from "./schema";
import { policyProblems, textProblem } from "./text-policy";
import { formatPath, suggest } from "./validate";

export const CONFIG_NAMESPACE = "image-factory";

/** Per-registry polling settings for the base-image Warehouses. */
export const registrySettingsSchema = z.strictObject({
  /** Polling interval for every base on this registry (overrides the computed default). */
  interval: duration.optional(),
  /** Manifest requests per hour the account may spend on polling; drives the default interval. */
  pullsPerHour: z.number().int().positive().optional(),
  /**
   * Kargo polls this registry with credentials (an image credential Secret the Kargo operator
   * or the Project provides). Docker Hub allows authenticated accounts twice the anonymous pulls.
   * Default: true when `username` is set.
   */
  authenticated: z.boolean("must be true or false").optional(),
  /**
   * The user Kargo logs in to this registry as. The stack then creates the Project's image
   * credential Secret for the registry; its password is `registryTokens.<host>` (a secret).
   */
  username: z.string().min(1).max(256).optional(),
});

export const deliverySchema = z
  .strictObject({
    /** direct: Pulumi applies the Kargo objects; gitops: Pulumi commits them for Argo CD to sync. */
    mode: z.enum(["direct", "gitops"], "must be direct or gitops").default("direct"),
    /** gitops: the state repository the rendered manifests are committed to. */
    repo: ownerRepo.optional(),
    branch: gitRefName.default("main"),
    /** gitops: the folder in the state repository that holds the manifests (never under .github). */
    path: repoPath
      .refine((p) => p.split("/").filter((seg) => seg !== "" && seg !== ".")[0]?.toLowerCase() !== ".github", "must not be under .github (GitHub runs workflows from there)")
      .refine((p) => p.split("/").some((seg) => seg !== "" && seg !== "."), "must name a folder, not the repository root")
      .default("kargo"),
    /** The Argo CD Application that syncs the folder (gitops only). */
    argocd: z
      .strictObject({
        name: dns1123Label.default("image-factory"),
        namespace: dns1123Label.default("argocd"),
        project: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be an Argo CD project name (lowercase letters, digits, '-' and '.')").default("default"),
        server: z.string().url().default("https://kubernetes.default.svc"),
      })
      .default({ name: "image-factory", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" }),
  })
  .superRefine((d, ctx) => {
    if (d.mode === "gitops" && !d.repo) ctx.addIssue({ code: "custom", path: ["repo"], message: "is required when mode is gitops" });
  });

export const githubSettingsSchema = z.strictObject({
  /**
   * The REST API root of GitHub Enterprise Server (e.g. https://github.example.com/api/v3);
   * github.com's when absent. Kargo's dispatch and run-following steps call it.
   */
  apiUrl: z
    .string()
    .max(2048)
    .refine(isHttpsApiUrl, "must be an https:// URL without credentials, query or fragment, such as https://github.example.com/api/v3")
    .transform((u) => u.replace(/\/+$/, ""))
    .optional(),
  /** The account (user or organization) the GitHub provider acts on. */
  owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub user or organization name").optional(),
  /** The factory's own repository (its analyze workflow refreshes the lock), owner/name. */
  factoryRepo: ownerRepo.optional(),
  /** The factory repository's branch the analyze workflow runs on. */
  factoryBranch: gitRefName.default("main"),
  /** The factory repository's analyze workflow file. */
  analyzeWorkflow: z.string().regex(/^[A-Za-z0-9._-]+\.ya?ml$/, "must be a workflow file name").default("analyze.yml"),
  /** The factory repository's workflow that posts rebuild notifications to the webhook (notify.yml). */
  notifyWorkflow: z.string().regex(/^[A-Za-z0-9._-]+\.ya?ml$/, "must be a workflow file name").optional(),
  /** Manage the Actions settings of the source repos the builds need (opt-in). */
  manageRepoSettings: z.boolean().default(false),
  /** Manage this stack's GitHub environment on the factory repo (opt-in). */
  manageEnvironment: z.boolean().default(false),
  /**
   * Ask GitHub for the run each rebuild dispatch starts and follow it to its end. Turn it off
   * for a GitHub Enterprise Server that rejects `return_run_details` on workflow dispatches.
   */
  followRuns: z.boolean("must be true or false").optional(),
  /** Required reviewers of this stack's environment: GitHub user and team IDs. */
  reviewers: z.strictObject({ users: z.array(z.number().int().positive()).default([]), teams: z.array(z.number().int().positive()).default([]) }).default({ users: [], teams: [] }),
});

/** An https URL with a host and nothing a request URL must not carry (user info, query, fragment). */
export function isHttpsApiUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "" && url.search === "" && url.hash === "" && !/[\s"'`\\{}<>|^]/.test(text);
}

/**
 * The GitLab hosts the stack's gitlabToken belongs to. The token goes to a GitLab source's
 * host (pipelines, git polling, analysis), so an images.yaml entry naming any other host is
 * refused rather than sent the token.
 */
export const gitlabSettingsSchema = z.strictObject({
  hosts: z.array(gitlabHost, "must be a list of GitLab hosts, e.g. [gitlab.com]").min(1, "must name at least one GitLab host").default([DEFAULT_GITLAB_HOST]),
});

/** The token's hosts when a stack does not set image-factory:gitlab. */
export const DEFAULT_GITLAB_HOSTS: readonly string[] = [DEFAULT_GITLAB_HOST];

export const kubernetesSettingsSchema = z.strictObject({
  /**
   * The kubeconfig context the stack applies to. Every stack names its cluster: this, or the
   * secret `image-factory:kubeconfig` (requireCluster). Never the machine's current-context.
   */
  context: z.string().min(1).optional(),
  /**
   * Let a create take over an object that already exists in the cluster (pulumi-kubernetes
   * `upsertExistingObjects`) instead of failing with AlreadyExists. For the one `pulumi up`
   * that adopts an existing Project or switches delivery modes; then set it back to false.
   */
  upsertExistingObjects: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean("must be true or false")).default(false),
});

export const promotionSettingsSchema = z.strictObject({
  /** The fully qualified stack (org/project/stack) this stack promotes from. */
  from: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be org/project/stack"),
});

/** Plain (non-secret) stack settings. */
export const stackSettingsSchema = z.strictObject({
  /** The images.yaml file, relative to the project folder. */
  images: z.string().min(1).default("examples/estate/images.yaml"),
  /** The folder holding images.lock.yaml (default: beside images.yaml). */
  state: z.string().min(1).optional(),
  /** The per-environment overlay file (default: stacks/<stack>.yaml when it exists). */
  overlay: z.string().min(1).optional(),
  /** The Kargo Project, and so the namespace, that holds the estate. */
  kargoProject: dns1123Label.default("image-factory"),
  registries: z.record(registryHost, registrySettingsSchema).default({}),
  delivery: deliverySchema.default({
    mode: "direct",
    branch: "main",
    path: "kargo",
    argocd: { name: "image-factory", namespace: "argocd", project: "default", server: "https://kubernetes.default.svc" },
  }),
  github: githubSettingsSchema.default({
    factoryBranch: "main",
    analyzeWorkflow: "analyze.yml",
    manageRepoSettings: false,
    manageEnvironment: false,
    reviewers: { users: [], teams: [] },
  }),
  kubernetes: kubernetesSettingsSchema.default({ upsertExistingObjects: false }),
  /** `hosts`: the GitLab hosts the secret gitlabToken is for (default [gitlab.com]). */
  gitlab: gitlabSettingsSchema.default({ hosts: [DEFAULT_GITLAB_HOST] }),
  promotion: promotionSettingsSchema.optional(),
  /**
   * Which rebuild events are posted to the secret `notificationWebhook` (default: failures).
   * Notifications are on when the webhook is set.
   */
  notifications: notificationSettingsSchema.optional(),
  /**
   * This stack's role for the builds of its images. `owner` (default): real rebuilds, the
   * generated workflow files, update pull requests and analysis. `canary`: the same rebuilds
   * as dry runs (`dry_run` = true: build and test, never push), nothing committed or opened.
   * Exactly one stack may own an image; every other stack enrolling it is its canary.
   */
  builds: z.enum(["owner", "canary"], "must be owner or canary").default("owner"),
  /**
   * Protect the Kargo Project and the github-credentials Secret from deletion. Turn it off
   * for one reviewed `pulumi up` before removing either on purpose.
   */
  protect: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean("must be true or false")).default(true),
});

export type StackSettings = z.output<typeof stackSettingsSchema> & {
  /** Absolute images.yaml path. */
  imagesPath: string;
  /** Absolute folder of the lock. */
  stateDir: string;
};

/**
 * Why a token cannot be sent as an HTTP header value, or undefined. The message never quotes
 * the token. Empty or blank: a missing secret, not a credential; a control character or
 * anything outside printable ASCII would split or corrupt the Authorization header.
 */
export function tokenProblem(token: string): string | undefined {
  if (token.trim() === "") return "is empty: set the token (pulumi config set --secret ...)";
  if (!/^[\x21-\x7e]+$/.test(token)) return "holds a character a token cannot have (a blank, a line break, a control or non-ASCII character): set it again without it";
  return undefined;
}

/** What `image-factory render` passes for a `secure:` value it cannot decrypt: visible if it ever leaks, and marked secret. */
export function secretPlaceholder(key: string): string {
  return `[secret ${key}]`;
}

/** Keys that hold secrets: never read as plain values. */
export const SECRET_KEYS = ["githubToken", "githubProviderToken", "gitlabToken", "registryTokens", "kubeconfig", WEBHOOK_KEY] as const;

/**
 * A stack must name its cluster: `kubernetes.context` (a context of the kubeconfig the
 * machine or CI job provides) or the secret `kubeconfig` (the kubeconfig itself). Without
 * either, pulumi-kubernetes would use the ambient current-context, whatever it is, and would
 * not notice when it changes.
 */
export function requireCluster(
  settings: Pick<StackSettings, "kubernetes">,
  opts: { hasKubeconfig: boolean; source: string; config?: Readonly<Record<string, string>> },
): void {
  if (settings.kubernetes.context !== undefined || opts.hasKubeconfig) return;
  // The default provider's keys: the program's explicit provider never reads them.
  const foreign = ["kubernetes:context", "kubernetes:kubeconfig"].filter((k) => opts.config?.[k] !== undefined);
  const hint = foreign.length > 0 ? ` (${foreign.join(" and ")} ${foreign.length === 1 ? "is" : "are"} set, but ${foreign.length === 1 ? "it configures" : "they configure"} only Pulumi's default Kubernetes provider, which this program never uses)` : "";
  throw new UserError([
    {
      file: opts.source,
      field: `${CONFIG_NAMESPACE}:kubernetes.context`,
      message:
        `is required unless the secret ${CONFIG_NAMESPACE}:kubeconfig is set: name the cluster this stack applies to ` +
        `(\`pulumi config set --path ${CONFIG_NAMESPACE}:kubernetes.context <context>\`, or ` +
        `\`pulumi config set --secret ${CONFIG_NAMESPACE}:kubeconfig < kubeconfig.yaml\`)${hint}`,
    },
  ]);
}

const OBJECT_KEYS = new Set(["registries", "delivery", "github", "gitlab", "kubernetes", "promotion", "notifications"]);

/**
 * Validates raw config values (key without namespace → string as Pulumi stores it).
 * `source` names the config file in errors.
 */
export function parseStackSettings(raw: Record<string, string>, opts: { source: string; projectDir: string }): StackSettings {
  const problems: Problem[] = [];
  const input: Record<string, unknown> = {};
  const known = [...Object.keys(stackSettingsSchema.shape), ...SECRET_KEYS];
  for (const [key, text] of Object.entries(raw)) {
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    if (!(key in stackSettingsSchema.shape)) {
      const hint = suggest(key, known);
      problems.push({ file: opts.source, field: `${CONFIG_NAMESPACE}:${key}`, message: `unknown config key${hint ? `, did you mean ${CONFIG_NAMESPACE}:${hint}?` : ""}` });
      continue;
    }
    if (OBJECT_KEYS.has(key)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        problems.push({ file: opts.source, field: `${CONFIG_NAMESPACE}:${key}`, message: "must be an object (set it as a YAML mapping in the stack file)" });
        continue;
      }
      const policy = policyProblems(parsed, { file: opts.source, fieldOf: (p) => `${CONFIG_NAMESPACE}:${formatPath([key, ...p])}` });
      if (policy.length > 0) problems.push(...policy);
      else input[key] = parsed;
    } else {
      const problem = textProblem(text);
      if (problem) problems.push({ file: opts.source, field: `${CONFIG_NAMESPACE}:${key}`, message: problem });
      else input[key] = text;
    }
  }
  const result = stackSettingsSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const p = issue.path.filter((s): s is string | number => typeof s !== "symbol");
      const [key, ...rest] = p;
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) {
          problems.push({ file: opts.source, field: `${CONFIG_NAMESPACE}:${formatPath(p)}${p.length ? "." : ""}${k}`, message: "unknown key" });
        }
        continue;
      }
      problems.push({ file: opts.source, field: `${CONFIG_NAMESPACE}:${String(key)}${rest.length ? `.${formatPath(rest)}` : ""}`, message: issue.message });
    }
  }
  if (problems.length > 0 || !result.success) throw new UserError(problems);
  const settings = result.data;
  const imagesPath = path.resolve(opts.projectDir, settings.images);
  return {
    ...settings,
    imagesPath,
    stateDir: settings.state ? path.resolve(opts.projectDir, settings.state) : path.dirname(imagesPath),
  };
}

/**
 * The settings of a stack from its namespaced config (`image-factory:<key>` → value, as Pulumi
 * passes it); keys of other namespaces (e.g. `kubernetes:`) are not ours and are skipped.
 */
export function parseNamespacedSettings(config: Record<string, string>, opts: { stack: string; projectDir: string }): StackSettings {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw = Object.fromEntries(Object.entries(config).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));
  return parseStackSettings(raw, { source: `Pulumi.${opts.stack}.yaml`, projectDir: opts.projectDir });
}
