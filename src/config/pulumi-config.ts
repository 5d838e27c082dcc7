/**
 * Reads the stack's configuration through the Pulumi runtime. Kept apart from stack.ts so
 * the validation itself stays a pure function that tests and the CLI call directly.
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "./errors";
import { CONFIG_NAMESPACE, SECRET_KEYS, parseStackSettings, type StackSettings } from "./stack";

export interface StackConfig {
  settings: StackSettings;
  /** The token Kargo uses to dispatch rebuilds (a Pulumi secret). */
  githubToken: pulumi.Output<string>;
  /** The token the GitHub provider uses; githubToken when not set separately. */
  githubProviderToken: pulumi.Output<string>;
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
  return { settings, githubToken, githubProviderToken: cfg.getSecret("githubProviderToken") ?? githubToken };
}
