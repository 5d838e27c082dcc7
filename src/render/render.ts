/**
 * `image-factory render`: runs the Pulumi program (index.ts) under Pulumi's mock runtime with
 * a stack's configuration and turns what it declares into reviewable files:
 *
 *   kubernetes/<kind>_<namespace>_<name>.yaml   every Kubernetes object (cluster-scoped: <kind>_<name>.yaml)
 *   github/<owner>/<repo>/<path>                every file committed to a GitHub repository
 *   resources.json                              every resource: type, name, parent, options, inputs
 *   outputs.json                                the stack outputs
 *   render.json                                 what was rendered, and the program's warnings
 *
 * Secrets are replaced by "[secret]" wherever Pulumi marks them, and the finished files are
 * scanned for every known secret value before anything touches the disk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { fileErrorMessage, isUserError, type Problem, UserError } from "../config/errors";
import { CONFIG_NAMESPACE } from "../config/stack";
import { isPromotionFinding } from "../promotion/guard";
import { relativePathProblem } from "../config/schema";
import { isSecretEnvelope, type LogRecord, type RecordedResource, runUnderMocks, UNKNOWN_OUTPUT } from "./mock-runtime";
import { scanForSecrets } from "./secret-scan";
import { readProjectFile, readStackValues } from "./stack-files";
import { yamlDocument } from "./yaml";

/** What a secret value is replaced by in every rendered file. */
export const SECRET_MARKER = "[secret]";
/** What was rendered, and the program's warnings. */
export const RENDER_MANIFEST = "render.json";
/**
 * The file that marks a folder as render output: the exact list of files the render wrote,
 * itself included. A folder is replaced only when it holds nothing else.
 */
export const RENDER_INVENTORY = ".image-factory-render";
const INVENTORY_HEADER = "# Written by image-factory render: the files of this folder. The folder is replaced as a whole by the next render.";

export interface RenderOptions {
  /** The Pulumi project folder (Pulumi.yaml, index.ts, Pulumi.<stack>.yaml). */
  projectDir: string;
  /** Default: dev. */
  stack?: string;
  /** images.yaml to use instead of the stack's (image-factory:images). */
  images?: string;
  /** Folder of images.lock.yaml (image-factory:state). */
  state?: string;
  /** `KEY=VALUE` config overrides, applied last. */
  config?: readonly string[];
  /**
   * Run as `pulumi preview` (default) or as `pulumi up` would run the program. Only the
   * program's own isDryRun() branches (e.g. the promotion guard) tell them apart.
   */
  preview?: boolean;
  /** The program's entry point (default: <projectDir>/index.ts). */
  program?: string;
}

/** One resource as written to resources.json (secrets redacted, keys sorted). */
export interface RenderedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  /** URN of the provider resource the resource uses (explicit providers only). */
  provider?: string;
  dependsOn: string[];
  options: { protect: boolean; retainOnDelete: boolean; deleteBeforeReplace: boolean; ignoreChanges: string[] };
  inputs: Record<string, unknown>;
}

export interface RenderResult {
  project: string;
  stack: string;
  preview: boolean;
  /** Sorted by URN. */
  resources: RenderedResource[];
  outputs: Record<string, unknown>;
  /** Output files: path relative to the output folder → content. Sorted by path. */
  files: Map<string, string>;
  /** The program's pulumi.log messages. */
  logs: LogRecord[];
  /** What render had to assume (missing token, unreadable stack references...). */
  notes: string[];
  /** The stack's plain (non-secret) config, namespaced, as the program received it. */
  config: Record<string, string>;
}

let renderedInThisProcess = false;

/**
 * Renders a stack in this process. Pulumi's runtime keeps its state per process, so this can
 * run once per process (a vitest file, a CLI invocation); run more in child processes.
 */
export async function renderStack(opts: RenderOptions): Promise<RenderResult> {
  if (renderedInThisProcess) throw new Error("renderStack runs once per process: Pulumi's runtime cannot be reset (use a child process)");
  const project = readProjectFile(opts.projectDir);
  const stack = opts.stack ?? "dev";
  const overrides = [...(opts.config ?? [])];
  // --images/--state are shorthands; as overrides they take part in the same rules.
  if (opts.images !== undefined) overrides.unshift(`${CONFIG_NAMESPACE}:images=${opts.images}`);
  if (opts.state !== undefined) overrides.unshift(`${CONFIG_NAMESPACE}:state=${opts.state}`);
  const values = readStackValues(project, { projectDir: opts.projectDir, stack, overrides });
  const notes = [...values.notes];
  const preview = opts.preview ?? true;

  // Another stack's outputs cannot be read without Pulumi Cloud: the upstream of a
  // promotion looks like a stack that has exported nothing.
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  const upstream = promotionSource(values.config[`${CONFIG_NAMESPACE}:promotion`]);
  if (upstream) {
    stackOutputs[upstream] = {};
    notes.push(`render cannot read stack ${upstream}, so it cannot tell whether that stack has applied this estate revision; \`pulumi up\` checks`);
  }

  const entry = opts.program ?? path.join(opts.projectDir, "index.ts");
  const captured: LogRecord[] = [];
  renderedInThisProcess = true;
  const run = await withCheapStacks(() => runUnderMocks({
    project: project.name,
    stack,
    config: values.config,
    secretKeys: values.secretKeys,
    stackOutputs,
    preview,
    logs: captured,
    program: () => runProgramModule(entry),
  }));

  // The guard's finding about an upstream render could not read says nothing: the note does.
  const logs = upstream ? captured.filter((l) => !isPromotionFinding(l.message, upstream)) : captured;

  // The config's secrets are what must never leak. Values inside the program's secret
  // envelopes are not searched for: Pulumi wraps whole objects (a Secret's stringData with its
  // repoURL and labels), and their harmless parts appear elsewhere by design.
  const secrets = new Set(values.secretValues);

  // Every output file is made from the redacted inputs: redact each resource once.
  const redacted = new Map(run.resources.map((r) => [r, redact(r.inputs) as Record<string, unknown>]));
  const inputsOf = (r: RecordedResource) => redacted.get(r)!;
  const resources = run.resources.map((r) => toRendered(r, inputsOf(r))).sort((a, b) => cmp(a.urn, b.urn));
  // Sorted: module namespaces (import()) and module.exports (require) list exports differently.
  const outputs = sortKeys(redact(run.outputs)) as Record<string, unknown>;
  const files = new Map<string, string>();
  for (const [file, content] of kubernetesFiles(run.resources, inputsOf)) files.set(file, content);
  for (const [file, content] of githubFiles(run.resources, inputsOf, values.config, notes)) files.set(file, content);
  for (const [file, content] of gitlabFiles(outputs)) files.set(file, content);
  files.set("resources.json", json(resources));
  files.set("outputs.json", json(outputs));
  files.set(
    RENDER_MANIFEST,
    json({
      project: project.name,
      stack,
      mode: preview ? "preview" : "up",
      notes,
      diagnostics: logs.filter((l) => l.severity !== "debug").map((l) => `${l.severity}: ${l.message}`),
    }),
  );
  files.set(RENDER_INVENTORY, inventoryText([...files.keys(), RENDER_INVENTORY]));
  const sorted = new Map([...files.entries()].sort(([a], [b]) => cmp(a, b)));
  const secretKeys = new Set(values.secretKeys);
  const config = Object.fromEntries(Object.entries(values.config).filter(([k]) => !secretKeys.has(k)));
  const result: RenderResult = { project: project.name, stack, preview, resources, outputs, files: sorted, logs, notes, config };
  // Kept off the enumerable fields, so a logged or snapshotted result cannot show them.
  Object.defineProperty(result, SECRETS, { value: [...secrets].sort(), enumerable: false });
  return result;
}

const SECRETS = Symbol("secret values");

/** The secret values a render knew about (placeholders, overrides, values inside secrets). */
export function secretValuesOf(result: RenderResult): string[] {
  return ((result as unknown as Record<symbol, string[]>)[SECRETS] ?? []).slice();
}

/** Why the output would hold a secret. The message names files and forms, never the value. */
export class SecretLeakError extends Error {
  constructor(readonly findings: ReturnType<typeof scanForSecrets>) {
    super(
      `refusing to write the render: a secret value would be written to\n${findings
        .slice(0, 10)
        .map((f) => `  ${f.file} (${f.form}, secret #${f.secret + 1})`)
        .join("\n")}${findings.length > 10 ? `\n  and ${findings.length - 10} more` : ""}\nA secret reached an input Pulumi does not mark as secret: wrap it with pulumi.secret() where it is used.`,
    );
    this.name = "SecretLeakError";
  }
}

/** Throws SecretLeakError when any output file holds a known secret in any form. */
export function assertNoSecrets(result: RenderResult): void {
  const findings = scanForSecrets(result.files, secretValuesOf(result));
  if (findings.length > 0) throw new SecretLeakError(findings);
}

function inventoryText(files: readonly string[]): string {
  return `${INVENTORY_HEADER}\n${[...new Set(files)].sort(cmp).join("\n")}\n`;
}

/**
 * What in `dir` stops render from replacing it, or undefined when it may: the folder must be
 * empty, or hold exactly files an earlier render listed in its inventory (no other file, no
 * symbolic link, nothing else). Never follows a link.
 */
export function replaceProblem(dir: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (stat.isSymbolicLink()) return "is a symbolic link; render writes only to a real folder";
  if (!stat.isDirectory()) return "is a file, not a folder";
  const found: string[] = [];
  const other: string[] = [];
  const stack = [""];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) stack.push(child);
      else if (entry.isFile()) found.push(child);
      else other.push(child);
    }
  }
  if (found.length === 0 && other.length === 0) return undefined;
  if (other.length > 0) return `holds ${describeEntries(other)}, which render did not write; refusing to replace it`;
  let listed: Set<string> | undefined;
  if (found.includes(RENDER_INVENTORY)) {
    const text = fs.readFileSync(path.join(dir, RENDER_INVENTORY), "utf8");
    if (text.startsWith(`${INVENTORY_HEADER}\n`)) listed = new Set(text.split("\n").slice(1).filter((l) => l !== ""));
  }
  if (!listed) return "is not empty and not a folder image-factory render wrote (it has no inventory); choose an empty or new folder";
  const extra = found.filter((f) => !listed.has(f)).sort(cmp);
  if (extra.length > 0) return `holds ${describeEntries(extra)}, which render did not write; move ${extra.length === 1 ? "it" : "them"} away or choose another folder`;
  return undefined;
}

function describeEntries(entries: readonly string[]): string {
  const shown = [...entries].sort(cmp).slice(0, 5).map((e) => JSON.stringify(e)).join(", ");
  return entries.length > 5 ? `${shown} and ${entries.length - 5} more` : shown;
}

/**
 * Writes the render to `outDir` all at once: into a fresh folder beside it, then swapped in.
 * An existing `outDir` is only replaced when it is empty or exactly an earlier render's files
 * (see replaceProblem). Every file-system failure is a UserError naming the path.
 */
export function writeRender(result: RenderResult, outDir: string, shownAs: string = outDir): void {
  assertNoSecrets(result);
  const target = path.resolve(outDir);
  const fail = (file: string, e: unknown): never => {
    if (isUserError(e)) throw e;
    throw new UserError([{ file, message: fileErrorMessage(e) }]);
  };
  let problem: string | undefined;
  try {
    problem = replaceProblem(target);
  } catch (e) {
    fail(shownAs, e);
  }
  if (problem) throw new UserError([{ file: shownAs, message: problem }]);
  const parent = path.dirname(target);
  let staging: string | undefined;
  try {
    fs.mkdirSync(parent, { recursive: true });
    staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.render-`));
  } catch (e) {
    fail(shownAs, e);
  }
  try {
    const made = new Set<string>();
    for (const [rel, content] of result.files) {
      const file = path.join(staging!, rel);
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(file, content, { flag: "wx" });
    }
    const old = fs.existsSync(target) ? `${staging}.old` : undefined;
    if (old) fs.renameSync(target, old);
    fs.renameSync(staging!, target);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(staging!, { recursive: true, force: true });
    fail(shownAs, e);
  }
}

// ---------------------------------------------------------------------------------------------
// The program

/**
 * The Pulumi SDK records a stack trace for every internal promise (for its leak report), and
 * formatting them through source maps dominated the time and memory of large renders (the
 * 10,000-image estate ran out of heap). Without source maps and with short traces they cost
 * little. IMAGE_FACTORY_FULL_STACKS=1 keeps full traces for debugging the program.
 */
async function withCheapStacks<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.IMAGE_FACTORY_FULL_STACKS === "1") return fn();
  const limit = Error.stackTraceLimit;
  const sourceMaps = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled;
  Error.stackTraceLimit = 1;
  process.setSourceMapsEnabled(false);
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = limit;
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

/** Loads the program's entry module and runs it the way Pulumi's Node host does. */
async function runProgramModule(entry: string): Promise<Record<string, unknown>> {
  // The CLI runs under tsx's require hook; vitest only transforms import().
  const hasTsHook = typeof require !== "undefined" && require.extensions !== undefined && ".ts" in require.extensions;
  const loaded: unknown = hasTsHook ? require(entry) : await import(entry);
  let exported: unknown = loaded;
  // import() of a CommonJS module (e.g. `export = promise`) puts module.exports under `default`.
  if (isObject(loaded) && "default" in loaded && Object.keys(loaded).every((k) => k === "default" || k === "__esModule")) exported = loaded.default;
  // As Pulumi's Node host: an exported function is the program; a promise is awaited.
  exported = typeof exported === "function" ? await (exported as () => unknown)() : await exported;
  if (!isObject(exported)) return {};
  // A module namespace from import() mirrors module.exports under `default`.
  const { default: _mirror, __esModule: _flag, ...outputs } = exported;
  return outputs;
}

function promotionSource(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { from?: unknown };
    return typeof value?.from === "string" ? value.from : undefined;
  } catch {
    return undefined; // The program reports the malformed setting itself.
  }
}

// ---------------------------------------------------------------------------------------------
// Resources

type InputsOf = (r: RecordedResource) => Record<string, unknown>;

/** `inputs`: the resource's inputs, redacted. */
function toRendered(r: RecordedResource, inputs: Record<string, unknown>): RenderedResource {
  const out: RenderedResource = {
    urn: r.urn,
    type: r.type,
    name: r.name,
    dependsOn: [...r.dependencies].sort(),
    options: { protect: r.protect, retainOnDelete: r.retainOnDelete, deleteBeforeReplace: r.deleteBeforeReplace, ignoreChanges: [...r.ignoreChanges].sort() },
    inputs: sortKeys(inputs) as Record<string, unknown>,
  };
  if (r.parent) out.parent = r.parent;
  const provider = providerUrn(r.provider);
  if (provider) out.provider = provider;
  return out;
}

/** A provider reference is `<urn>::<id>`; the URN is what identifies it across runs. */
function providerUrn(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const cut = ref.lastIndexOf("::");
  return cut > 0 ? ref.slice(0, cut) : ref;
}

/** A copy with every secret replaced by SECRET_MARKER and every unknown by UNKNOWN_OUTPUT. */
export function redact(value: unknown): unknown {
  if (isSecretEnvelope(value)) return SECRET_MARKER;
  if (pulumi.isUnknown(value)) return UNKNOWN_OUTPUT;
  if (Array.isArray(value)) return value.map(redact);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = redact(v);
    return out;
  }
  return value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(cmp)) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

const K8S_KEY_ORDER = ["apiVersion", "kind", "metadata"];

function kubernetesFiles(resources: readonly RecordedResource[], inputsOf: InputsOf): Map<string, string> {
  const files = new Map<string, string>();
  const problems: Problem[] = [];
  const objects = resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
    .map((r) => ({ r, o: inputsOf(r) }))
    .filter(({ o }) => typeof o.apiVersion === "string" && typeof o.kind === "string")
    .sort((a, b) => cmp(a.r.urn, b.r.urn));
  for (const { r, o } of objects) {
    const metadata = isObject(o.metadata) ? o.metadata : {};
    const kind = String(o.kind).toLowerCase();
    // `_` appears in no kind, namespace or name, so the file name reads back unambiguously.
    const name = typeof metadata.name === "string" && metadata.name ? metadata.name : `${r.name}.autonamed`;
    const ns = typeof metadata.namespace === "string" && metadata.namespace ? metadata.namespace : undefined;
    let file = `kubernetes/${ns ? `${kind}_${ns}_${name}` : `${kind}_${name}`}.yaml`;
    if (!safeSegment(file.slice("kubernetes/".length))) {
      problems.push({ file: "render", subject: r.urn, message: `cannot name a file after ${JSON.stringify(file)}` });
      continue;
    }
    if (files.has(file)) {
      // The same object twice (e.g. through two providers): keep both, told apart by resource.
      file = file.replace(/\.yaml$/, `~${r.name}.yaml`);
    }
    const ordered: Record<string, unknown> = {};
    for (const k of K8S_KEY_ORDER) if (k in o) ordered[k] = o[k];
    for (const [k, v] of Object.entries(o)) if (!K8S_KEY_ORDER.includes(k)) ordered[k] = v;
    files.set(file, yamlDocument(ordered, [`Pulumi resource ${r.urn}`]));
  }
  if (problems.length > 0) throw new UserError(problems);
  return files;
}

// ---------------------------------------------------------------------------------------------
// GitHub files

const REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile";
const GITHUB_PROVIDER = "pulumi:providers:github";

function githubFiles(resources: readonly RecordedResource[], inputsOf: InputsOf, config: Record<string, string>, notes: string[]): Map<string, string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const problems: Problem[] = [];
  const entries: Array<{ owner: string; repo: string; branch?: string; file: string; content: string; urn: string }> = [];
  for (const r of resources.filter((x) => x.type === REPOSITORY_FILE).sort((a, b) => cmp(a.urn, b.urn))) {
    const inputs = inputsOf(r);
    const provider = byUrn.get(providerUrn(r.provider) ?? "");
    const ownerValue = provider?.type === GITHUB_PROVIDER ? provider.inputs.owner : config["github:owner"];
    const owner = typeof ownerValue === "string" && ownerValue && ownerValue !== SECRET_MARKER ? ownerValue : "_unknown-owner";
    const repo = String(inputs.repository ?? "");
    const file = String(inputs.file ?? "");
    const pathProblem = relativePathProblem(file);
    if (!safeSegment(owner) || !safeSegment(repo) || pathProblem) {
      problems.push({ file: "render", subject: r.urn, message: `cannot place ${owner}/${repo}:${file} in the output${pathProblem ? `: the path ${pathProblem}` : ""}` });
      continue;
    }
    let content = inputs.content;
    if (typeof content !== "string") {
      notes.push(`${r.urn}: the content is not plain text (${JSON.stringify(content)}); written as a marker`);
      content = `${JSON.stringify(content)}\n`;
    }
    entries.push({ owner, repo, branch: typeof inputs.branch === "string" ? inputs.branch : undefined, file: path.posix.normalize(file), content: content as string, urn: r.urn });
  }
  if (problems.length > 0) throw new UserError(problems);
  // One folder per repository; a file written on two branches gets a folder per branch.
  const count = new Map<string, number>();
  for (const e of entries) count.set(`${e.owner}/${e.repo}/${e.file}`, (count.get(`${e.owner}/${e.repo}/${e.file}`) ?? 0) + 1);
  const files = new Map<string, string>();
  for (const e of entries) {
    const clash = (count.get(`${e.owner}/${e.repo}/${e.file}`) ?? 0) > 1;
    const repoDir = clash ? `${e.repo}@${(e.branch ?? "default").replace(/\//g, "_")}` : e.repo;
    const key = `github/${e.owner}/${repoDir}/${e.file}`;
    files.set(files.has(key) ? `${key}~${e.urn.split("::").pop()}` : key, e.content);
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// GitLab files

/**
 * The suggested GitLab CI files the program exports (gitlabPipelineFiles): one folder per
 * project, `gitlab/<host>/<full path>/<file>` (`<host>_<port>` for a host with a port), and a folder per branch when a project has
 * files on several branches. Host and path were validated as GitLab's (no `..`, no `\\`).
 */
function gitlabFiles(outputs: Record<string, unknown>): Map<string, string> {
  const files = new Map<string, string>();
  const exported = outputs.gitlabPipelineFiles;
  if (!isObject(exported)) return files;
  const entries = Object.values(exported).filter(isObject);
  const count = new Map<string, number>();
  // A host's port after `_`: a `:` has no place in a file name on every system.
  const folder = (e: Record<string, unknown>) => `gitlab/${String(e.host).replace(/:/g, "_")}/${String(e.project)}`;
  for (const e of entries) count.set(folder(e), (count.get(folder(e)) ?? 0) + 1);
  for (const e of entries) {
    const segments = [String(e.host).replace(/:/g, "_"), ...String(e.project).split("/"), String(e.path)];
    if (!segments.every(safeSegment) || typeof e.content !== "string") throw new Error(`gitlabPipelineFiles holds an entry render cannot place: ${folder(e)}`);
    const dir = (count.get(folder(e)) ?? 0) > 1 ? `${folder(e)}@${String(e.branch).replace(/\//g, "_")}` : folder(e);
    files.set(`${dir}/${String(e.path)}`, e.content);
  }
  return files;
}

function safeSegment(s: string): boolean {
  return s.length > 0 && !s.includes("/") && !s.includes("\\") && s !== "." && s !== ".." && !/[\u0000-\u001f]/.test(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
