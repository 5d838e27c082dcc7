/**
 * Reads a stack's configuration the way the Pulumi CLI would hand it to the program, from
 * Pulumi.yaml and Pulumi.<stack>.yaml, without the CLI: keys namespaced, plain values as
 * strings (objects as JSON), and every `secure:` value replaced by a visible placeholder
 * that is marked secret. Nothing here can decrypt a secret, and nothing needs to.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Problem, readUserFile, UserError } from "../config/errors";
import { WEBHOOK_KEY, webhookProblem } from "../config/notifications";
import { CONFIG_NAMESPACE, SECRET_KEYS, secretPlaceholder, tokenProblem } from "../config/stack";
import { typeName } from "../config/validate";
import { parseSourcedYaml } from "../config/yaml-source";

export interface ProjectFile {
  name: string;
  /** The folder holding the Pulumi.<stack>.yaml files. */
  stackConfigDir: string;
  /** Project-level config defaults, namespaced. */
  defaults: Record<string, string>;
}

export interface StackConfigValues {
  /** `<namespace>:<key>` → value as Pulumi passes it to the program. */
  config: Record<string, string>;
  /** Keys whose values are secrets (placeholders here, or secret overrides). */
  secretKeys: string[];
  /** Secret values that must never reach the output: placeholders and overrides. */
  secretValues: string[];
  /** Things the reader had to assume, for the user to know (e.g. a missing token). */
  notes: string[];
}

/** Keys that always hold secrets, whatever the stack file says. */
export const SECRET_CONFIG_KEYS: readonly string[] = [...SECRET_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`), "github:token", "kubernetes:kubeconfig"];

export { secretPlaceholder } from "../config/stack";

export function readProjectFile(projectDir: string): ProjectFile {
  const file = path.join(projectDir, "Pulumi.yaml");
  const data = readYaml(file, "Pulumi.yaml");
  if (!isMapping(data) || typeof data.name !== "string" || data.name === "") {
    throw new UserError([{ file: "Pulumi.yaml", message: "must be a mapping with a project name (name: ...)" }]);
  }
  const name = data.name;
  const dir = typeof data.stackConfigDir === "string" ? path.resolve(projectDir, data.stackConfigDir) : projectDir;
  const defaults: Record<string, string> = {};
  if (isMapping(data.config)) {
    for (const [key, declared] of Object.entries(data.config)) {
      // Project-level config: `key: value`, or a declaration with a default/value.
      const value = isMapping(declared) ? (declared.value ?? declared.default) : declared;
      if (value === undefined || value === null) continue;
      defaults[namespaced(key, name)] = configText(value);
    }
  }
  return { name, stackConfigDir: dir, defaults };
}

export interface ReadStackOptions {
  projectDir: string;
  stack: string;
  /** `KEY=VALUE` overrides, in order; later ones win. */
  overrides?: readonly string[];
}

/** The config the program sees for `stack`, plus what must be treated as secret. */
export function readStackValues(project: ProjectFile, opts: ReadStackOptions): StackConfigValues {
  const shown = path.relative(opts.projectDir, path.join(project.stackConfigDir, `Pulumi.${opts.stack}.yaml`)) || `Pulumi.${opts.stack}.yaml`;
  const file = path.join(project.stackConfigDir, `Pulumi.${opts.stack}.yaml`);
  if (!isStackName(opts.stack)) {
    throw new UserError([{ file: shown, message: `"${opts.stack}" is not a stack name (letters, digits, '_', '.', '-')` }]);
  }
  if (!fs.existsSync(file)) {
    const known = listStacks(project.stackConfigDir);
    throw new UserError([{ file: shown, message: `no such stack file${known.length ? ` (stacks: ${known.join(", ")})` : ""}` }]);
  }
  const data = readYaml(file, shown) ?? {};
  if (!isMapping(data)) throw new UserError([{ file: shown, message: `must be a mapping, got ${typeName(data)}` }]);
  const config: Record<string, string> = { ...project.defaults };
  const secretKeys = new Set<string>();
  const secretValues: string[] = [];
  const notes: string[] = [];
  const problems: Problem[] = [];

  // `environment:` imports Pulumi ESC environments, whose `pulumiConfig` Pulumi merges into
  // the stack's config. Only Pulumi Cloud can open them: their values are missing here, and a
  // placeholder stands in for each secret the program requires (below).
  const environments = escImports(data.environment, shown);
  if (environments.length > 0) {
    notes.push(
      `${shown} imports the Pulumi ESC environment${environments.length === 1 ? "" : "s"} ${environments.join(", ")}; ` +
        `render cannot open ${environments.length === 1 ? "it" : "them"} offline, so the values ${environments.length === 1 ? "it provides" : "they provide"} are missing here`,
    );
  }
  const entries = data.config === undefined || data.config === null ? {} : data.config;
  if (!isMapping(entries)) {
    throw new UserError([{ file: shown, field: "config", message: `must be a mapping, got ${typeName(entries)}` }]);
  }
  for (const [rawKey, value] of Object.entries(entries)) {
    const key = namespaced(rawKey, project.name);
    if (value === null || value === undefined) {
      problems.push({ file: shown, field: key, message: "has no value" });
      continue;
    }
    const { text, secret, leaves } = decodeValue(value, key);
    config[key] = text;
    if (secret || SECRET_CONFIG_KEYS.includes(key)) {
      secretKeys.add(key);
      secretValues.push(text, ...leaves);
      if (!secret) notes.push(`${shown}: ${key} is stored in plain text; set it with \`pulumi config set --secret ${key} ...\``);
    }
  }
  if (problems.length > 0) throw new UserError(problems);

  for (const [index, override] of (opts.overrides ?? []).entries()) {
    const eq = override.indexOf("=");
    // Never echo the text: a mistyped override is as likely to be a token as a setting.
    if (eq <= 0) throw new UserError([{ file: "--config", message: `value #${index + 1} is not KEY=VALUE (its text is not shown: it may be a secret)` }]);
    const key = namespaced(override.slice(0, eq), project.name);
    if (!/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.\-[\]"]+$/.test(key) || key.length > 200) {
      throw new UserError([{ file: "--config", message: `value #${index + 1} does not start with a config key (namespace:key=value); its text is not shown` }]);
    }
    const value = override.slice(eq + 1);
    config[key] = value;
    if (SECRET_CONFIG_KEYS.includes(key) || secretKeys.has(key)) {
      secretKeys.add(key);
      secretValues.push(value, ...jsonLeaves(value));
    } else {
      // A plain override replaces a secret value: the key is no longer secret.
      secretKeys.delete(key);
    }
  }

  // The program requires the dispatch token; without the CLI there is none to read.
  const tokenKey = `${CONFIG_NAMESPACE}:githubToken`;
  for (const key of [tokenKey, `${CONFIG_NAMESPACE}:githubProviderToken`]) {
    const problem = config[key] === undefined || config[key] === secretPlaceholder(key) ? undefined : tokenProblem(config[key]);
    if (problem) throw new UserError([{ file: shown, field: key, message: problem }]);
  }
  const webhookKey = `${CONFIG_NAMESPACE}:${WEBHOOK_KEY}`;
  const webhook = config[webhookKey];
  const webhookError = webhook === undefined || webhook === secretPlaceholder(webhookKey) ? undefined : webhookProblem(webhook);
  if (webhookError) throw new UserError([{ file: shown, field: webhookKey, message: webhookError }]);
  // A stack that asks for notifications gets its webhook from its ESC environment, if any.
  if (webhook === undefined && environments.length > 0 && config[`${CONFIG_NAMESPACE}:notifications`] !== undefined) {
    config[webhookKey] = secretPlaceholder(webhookKey);
    secretKeys.add(webhookKey);
    secretValues.push(config[webhookKey]);
    notes.push(`${webhookKey} is not set in ${shown} and may come from its ESC environment; a placeholder stands in for it`);
  }
  if (config[tokenKey] === undefined) {
    config[tokenKey] = secretPlaceholder(tokenKey);
    secretKeys.add(tokenKey);
    secretValues.push(config[tokenKey]);
    notes.push(`${tokenKey} is not set in ${shown}${environments.length > 0 ? " (it may come from its ESC environment)" : ""}; a placeholder stands in for it`);
  }
  // GitLab sources need gitlabToken; render reaches no GitLab, so a placeholder stands in
  // (the program only reads it when the estate has GitLab sources).
  const gitlabKey = `${CONFIG_NAMESPACE}:gitlabToken`;
  const gitlabProblem = config[gitlabKey] === undefined || config[gitlabKey] === secretPlaceholder(gitlabKey) ? undefined : tokenProblem(config[gitlabKey]);
  if (gitlabProblem) throw new UserError([{ file: shown, field: gitlabKey, message: gitlabProblem }]);
  if (config[gitlabKey] === undefined) {
    config[gitlabKey] = secretPlaceholder(gitlabKey);
    secretKeys.add(gitlabKey);
    secretValues.push(config[gitlabKey]);
  }
  // The cluster: a stack names a context or holds a kubeconfig. One that imports an ESC
  // environment may get its kubeconfig from there; render never reaches a cluster anyway.
  const kubeconfigKey = `${CONFIG_NAMESPACE}:kubeconfig`;
  if (environments.length > 0 && config[kubeconfigKey] === undefined && !namesContext(config[`${CONFIG_NAMESPACE}:kubernetes`])) {
    config[kubeconfigKey] = secretPlaceholder(kubeconfigKey);
    secretKeys.add(kubeconfigKey);
    secretValues.push(config[kubeconfigKey]);
    notes.push(`${kubeconfigKey} is not set in ${shown} and may come from its ESC environment; a placeholder stands in for it`);
  }
  return { config: sortRecord(config), secretKeys: [...secretKeys].sort(), secretValues: [...new Set(secretValues)].sort(), notes };
}

/**
 * The environments a stack file's `environment:` imports, as Pulumi reads it
 * (sdk/go/common/workspace/project.go, Environment): a list of names, or an inline ESC
 * definition whose `imports` name environments (a string, or a mapping keyed by the name)
 * and whose `values` count as one more, unnamed, source.
 */
function escImports(value: unknown, shown: string): string[] {
  if (value === undefined || value === null) return [];
  const name = (e: unknown) => (typeof e === "string" ? e : isMapping(e) && Object.keys(e).length === 1 ? Object.keys(e)[0] : undefined);
  const list = Array.isArray(value) ? value : isMapping(value) ? (Array.isArray(value.imports) ? value.imports : []) : undefined;
  const names = list?.map(name);
  if (names === undefined || names.some((n) => n === undefined || n === "")) {
    throw new UserError([{ file: shown, field: "environment", message: "must list Pulumi ESC environments (e.g. - image-factory/dev) or be an inline environment definition" }]);
  }
  if (isMapping(value) && value.values !== undefined) names.push("(inline values)");
  return names as string[];
}

/** Whether the `kubernetes` setting (as JSON text) names a context. */
function namesContext(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const value = JSON.parse(text) as { context?: unknown };
    return typeof value?.context === "string" && value.context !== "";
  } catch {
    return false; // The program reports the malformed setting itself.
  }
}

/** Whether `name` can be a stack name (and so part of a file name): letters, digits, `_`, `.`, `-`. */
export function isStackName(name: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(name);
}

/** The stacks that have a Pulumi.<stack>.yaml in `dir`, sorted. */
export function listStacks(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^Pulumi\.(.+)\.ya?ml$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

function namespaced(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** A config value as Pulumi passes it: scalars as text, objects and lists as JSON. */
function decodeValue(value: unknown, key: string): { text: string; secret: boolean; leaves: string[] } {
  if (isSecure(value)) return { text: secretPlaceholder(key), secret: true, leaves: [] };
  let secret = false;
  // Every placeholder is scanned for on its own too: the program may use one value alone.
  const leaves: string[] = [];
  // A secure value nested in an object makes the whole key secret, as in Pulumi.
  const replace = (v: unknown, at: string): unknown => {
    if (isSecure(v)) {
      secret = true;
      leaves.push(secretPlaceholder(at));
      return secretPlaceholder(at);
    }
    if (Array.isArray(v)) return v.map((x, i) => replace(x, `${at}[${i}]`));
    if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x, `${at}.${k}`)]));
    return v;
  };
  const plain = replace(value, key);
  return { text: configText(plain), secret, leaves };
}

/** The strings inside a JSON object or list (a secret object's values), none for other text. */
function jsonLeaves(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isMapping(v)) Object.values(v).forEach(walk);
  };
  if (typeof parsed === "object" && parsed !== null) walk(parsed);
  return out;
}

function configText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function isSecure(v: unknown): boolean {
  return isMapping(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readYaml(file: string, shown: string): unknown {
  const text = readUserFile(file, shown);
  const parsed = parseSourcedYaml(text, shown);
  if (!parsed.ok) throw new UserError(parsed.problems);
  return parsed.yaml.data;
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}
