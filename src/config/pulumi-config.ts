/**
 * Reads the stack's configuration through the Pulumi runtime. Kept apart from stack.ts so
 * the validation itself stays a pure function that tests and the CLI call directly.
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "./errors";
import { WEBHOOK_KEY, webhookProblem } from "./notifications";
import { CONFIG_NAMESPACE, SECRET_KEYS, parseStackSettings, secretPlaceholder, type StackSettings, tokenProblem } from "./stack";

export interface StackConfig {
  settings: StackSettings;
  /** The token Kargo uses to dispatch rebuilds (a Pulumi secret). */
  githubToken: pulumi.Output<string>;
  /** The token the GitHub provider uses; githubToken when not set separately. */
  githubProviderToken: pulumi.Output<string>;
  /** The GitLab token (a Pulumi secret) for GitLab sources' pipelines and git polling, when set. */
  gitlabToken?: pulumi.Output<string>;
  /** Registry passwords or tokens by host (a Pulumi secret); `{}` when none are set. */
  registryTokens: pulumi.Output<Record<string, string>>;
  /** The hosts registryTokens has a token for (its keys: not secret). */
  registryTokenHosts: string[];
  /** The stack's kubeconfig (a Pulumi secret), when it holds one rather than naming a context. */
  kubeconfig?: pulumi.Output<string>;
  /** The incoming webhook rebuild notifications go to (a Pulumi secret), when the stack sets one. */
  notificationWebhook?: pulumi.Output<string>;
}

export function readStackConfig(projectDir: string = process.cwd()): StackConfig {
  const stack = pulumi.getStack();
  const source = `Pulumi.${stack}.yaml`;
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    // Secret values are never copied out of the Pulumi config as plain strings.
    if ((SECRET_KEYS as readonly string[]).includes(name)) continue;
    raw[name] = value;
  }
  const settings = parseStackSettings(raw, { source, projectDir });
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  const githubToken = cfg.getSecret("githubToken");
  if (githubToken === undefined) {
    throw new UserError([
      {
        file: source,
        field: `${CONFIG_NAMESPACE}:githubToken`,
        message: "is required: set it with `pulumi config set --secret image-factory:githubToken <token>`",
      },
    ]);
  }
  // Checked without keeping or showing the value: an empty or header-unsafe token is a config error.
  for (const name of ["githubToken", "githubProviderToken", "gitlabToken"]) {
    const key = `${CONFIG_NAMESPACE}:${name}`;
    const text = pulumi.runtime.allConfig()[key];
    const problem = text === undefined || text === secretPlaceholder(key) ? undefined : tokenProblem(text);
    if (problem) throw new UserError([{ file: source, field: key, message: problem }]);
  }
  // The webhook URL is checked the same way: a problem names the key, never the value.
  const webhookKey = `${CONFIG_NAMESPACE}:${WEBHOOK_KEY}`;
  const webhookText = pulumi.runtime.allConfig()[webhookKey];
  const webhookError = webhookText === undefined || webhookText === secretPlaceholder(webhookKey) ? undefined : webhookProblem(webhookText);
  if (webhookError) throw new UserError([{ file: source, field: webhookKey, message: webhookError }]);
  const tokensKey = `${CONFIG_NAMESPACE}:registryTokens`;
  const registryTokenHosts = tokenHosts(pulumi.runtime.allConfig()[tokensKey], source);
  const registryTokens = cfg.getSecretObject<Record<string, string>>("registryTokens") ?? pulumi.secret<Record<string, string>>({});
  return {
    settings,
    githubToken,
    githubProviderToken: cfg.getSecret("githubProviderToken") ?? githubToken,
    gitlabToken: cfg.getSecret("gitlabToken"),
    registryTokens,
    registryTokenHosts,
    kubeconfig: cfg.getSecret("kubeconfig"),
    notificationWebhook: cfg.getSecret(WEBHOOK_KEY),
  };
}

/**
 * The keys of `registryTokens`, read without keeping a value: which registries have a token
 * must be known before any resource is declared. Every value must be a non-empty string.
 */
export function tokenHosts(text: string | undefined, source: string): string[] {
  if (text === undefined) return [];
  const field = `${CONFIG_NAMESPACE}:registryTokens`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // Never echo the text: it is a secret.
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UserError([{ file: source, field, message: "must be a mapping of registry host to token (set each with pulumi config set --secret --path)" }]);
  }
  const hosts = Object.keys(parsed).sort();
  const empty = hosts.filter((h) => typeof (parsed as Record<string, unknown>)[h] !== "string" || (parsed as Record<string, string>)[h] === "");
  if (empty.length > 0) throw new UserError(empty.map((h) => ({ file: source, field: `${field}.${h}`, message: "must be a non-empty string" })));
  return hosts;
}
