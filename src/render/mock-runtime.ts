/**
 * Runs a Pulumi program in-process under Pulumi's mock runtime and records every resource
 * it registers: type, name, parent, provider, dependencies, options and inputs. Tests and
 * `image-factory render`/`plan` use it; no Pulumi CLI, cluster or GitHub is involved.
 */
import * as pulumi from "@pulumi/pulumi";
import { READ_STACK_OUTPUTS } from "../promotion/guard";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** URN of the parent resource (the stack, or a component). */
  parent?: string;
  /** Provider reference (`<provider urn>::<id>`), for custom resources. */
  provider?: string;
  /** URNs this resource depends on (explicit dependsOn and data dependencies). */
  dependencies: string[];
  /** Inputs as registered. Secret values keep Pulumi's secret envelope. */
  inputs: Record<string, unknown>;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  /** Outputs the resource asks Pulumi to keep secret (e.g. a Secret's data and stringData). */
  additionalSecretOutputs: string[];
}

export interface MockRunOptions<T> {
  project: string;
  stack: string;
  organization?: string;
  /** Config values keyed `<namespace>:<key>`, as Pulumi stores them. */
  config?: Record<string, string>;
  /** Which of the config keys are secrets. */
  secretKeys?: string[];
  /**
   * Outputs of other stacks, by fully qualified stack name, for StackReference and the
   * engine's `pulumi:pulumi:readStackOutputs`. A stack not listed does not exist: reading it
   * fails as the engine's backend does.
   */
  stackOutputs?: Record<string, Record<string, unknown>>;
  /**
   * Registrations that fail, as a failed create or update does under the engine: the SDK
   * gets an error for them (their URN rejects). For tests of what a failed update leaves.
   */
  failRegistration?: (type: string, name: string) => boolean;
  /** Receives every RegisterResourceOutputs call (a component's or the stack's outputs). */
  registeredOutputs?: Array<{ urn: string; outputs: Record<string, unknown> | undefined }>;
  /** Answers for provider functions; anything not answered throws, so new calls get noticed. */
  call?: (token: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined;
  /**
   * The program. It may return a promise (an async Pulumi program, or a module loaded with
   * import()); it is awaited inside the stack, as Pulumi's Node host does.
   */
  program: () => T | PromiseLike<T>;
  /** Run as `pulumi preview` (isDryRun() true; values the mocks do not return stay unknown). */
  preview?: boolean;
  /**
   * Receives the program's pulumi.log messages instead of the console (without an engine the
   * SDK writes them to the console as `warning: [runtime] ...`).
   */
  logs?: LogRecord[];
  /**
   * Receives every recorded resource as it is registered. Pass an array to see what was
   * registered even when the program throws.
   */
  recorder?: RecordedResource[];
}

export interface LogRecord {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
}

export interface MockRunResult<T> {
  resources: RecordedResource[];
  result: T;
  /** Stack outputs, resolved (secrets keep their envelope). */
  outputs: Record<string, unknown>;
}

/** The envelope the Pulumi RPC layer wraps secret values in. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE_SIG;
}

type OutputsRequest = { getUrn(): string; getOutputs(): { toJavaScript(): unknown } | undefined };

type RegisterRequest = {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getProtect(): boolean;
  getRetainondelete?(): boolean;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList?(): string[];
};

/**
 * Runs `program` under mocks. Call it once per process: Pulumi keeps its runtime state
 * in a process-wide store, so each test file (vitest forks) or CLI run gets one program.
 */
export async function runUnderMocks<T>(opts: MockRunOptions<T>): Promise<MockRunResult<T>> {
  const resources: RecordedResource[] = opts.recorder ?? [];
  const pendingMeta = new Map<string, Omit<RecordedResource, "inputs" | "urn">>();

  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const meta = pendingMeta.get(`${args.type}::${args.name}`);
        const state = { ...(args.inputs as Record<string, unknown>) };
        if (args.type === "pulumi:pulumi:StackReference") {
          const name = String((args.inputs as { name?: string }).name ?? args.name);
          const outputs = opts.stackOutputs?.[name];
          if (outputs === undefined) throw new Error(`no outputs mocked for stack reference ${name}`);
          return { id: name, state: { name, outputs, secretOutputNames: [] } };
        }
        if (opts.failRegistration?.(args.type, args.name)) {
          throw new Error(`creating ${args.type} ${args.name} failed (a failure the test asked for)`);
        }
        if (meta) {
          resources.push({ ...meta, urn: "", inputs: args.inputs as Record<string, unknown> });
        }
        return { id: args.custom ? `${args.name}-id` : undefined, state };
      },
      call(args) {
        if (args.token === READ_STACK_OUTPUTS) {
          const name = String((args.inputs as { name?: unknown }).name);
          const outputs = opts.stackOutputs?.[name];
          // The backend's answer for a stack that does not exist (or cannot be seen).
          // The SDK reads a failed call's reason from the gRPC error's `details`.
          if (outputs === undefined) throw Object.assign(new Error(`unknown stack "${name}"`), { details: `unknown stack "${name}"` });
          return { name, outputs, secretOutputNames: [] };
        }
        const answer = opts.call?.(args.token, args.inputs as Record<string, unknown>);
        if (answer === undefined) throw new Error(`unmocked provider function ${args.token}`);
        return answer;
      },
    },
    opts.project,
    opts.stack,
    opts.preview ?? false,
    opts.organization ?? "organization",
  );

  // The mock monitor passes the parent, dependencies and options to nobody; read them
  // from the raw request before it does.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, cb: unknown) => {
    pendingMeta.set(`${req.getType()}::${req.getName()}`, {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      provider: req.getProvider() || undefined,
      dependencies: [...req.getDependenciesList()].sort(),
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete?.() ?? false,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      ignoreChanges: [...req.getIgnorechangesList()],
      additionalSecretOutputs: [...(req.getAdditionalsecretoutputsList?.() ?? [])],
    });
    return register(req, cb);
  };

  if (opts.registeredOutputs) {
    const into = opts.registeredOutputs;
    const monitorOutputs = pulumi.runtime.getMonitor() as unknown as { registerResourceOutputs(req: OutputsRequest, cb: unknown): unknown };
    const registerOutputs = monitorOutputs.registerResourceOutputs.bind(monitorOutputs);
    monitorOutputs.registerResourceOutputs = (req: OutputsRequest, cb: unknown) => {
      into.push({ urn: req.getUrn(), outputs: req.getOutputs()?.toJavaScript() as Record<string, unknown> | undefined });
      return registerOutputs(req, cb);
    };
  }

  let result!: T;
  let failure: { error: unknown } | undefined;
  const restoreConsole = opts.logs ? captureRuntimeLogs(opts.logs) : () => undefined;
  // A failed registration rejects every output of its resource, including ones nothing
  // awaits; Pulumi's language host treats those as part of the failed update. Here they are
  // expected, and would otherwise reach the test runner as unhandled rejections.
  const restoreRejections = opts.failRegistration ? absorbRegistrationFailures() : async () => undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      // A program that throws leaves an empty stack; the error is rethrown below, after the
      // runtime has settled (a rejection here would surface as several unhandled ones).
      try {
        result = await opts.program();
      } catch (error) {
        failure = { error };
        return {};
      }
      const exported = result as unknown;
      return exported && typeof exported === "object" ? (exported as Record<string, unknown>) : {};
    });
    // Registrations run asynchronously after the program returns (or throws); wait for all
    // of them so the record is complete either way.
    await pulumi.runtime.disconnect();
  } finally {
    restoreConsole();
    await restoreRejections();
  }
  if (failure) throw failure.error;
  const exported = result as unknown;
  const outputs = exported && typeof exported === "object" ? await resolveOutputs(exported) : {};

  // The same URN scheme as the mock monitor, so parents and dependencies line up.
  const stackUrn = (type: string, name: string, parent?: string) => {
    const parentType = parent ? parent.split("::")[2].split("$").pop() : undefined;
    const qualified = parentType ? `${parentType}$${type}` : type;
    return `urn:pulumi:${opts.stack}::${opts.project}::${qualified}::${name}`;
  };
  for (const r of resources) r.urn = stackUrn(r.type, r.name, r.parent);
  return { resources, result, outputs };
}

async function resolveOutputs(value: unknown): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = pulumi.Output.isInstance(v) ? await outputValue(v) : v;
  }
  return out;
}

/** What an Output that is unknown during a preview resolves to in outputValue. */
export const UNKNOWN_OUTPUT = "[unknown until applied]";

type OutputInternals = { isKnown: Promise<boolean>; isSecret: Promise<boolean>; promise(withUnknowns?: boolean): Promise<unknown> };

/**
 * Resolves an Output to its value (a secret comes back wrapped in the secret envelope). In a
 * preview an unknown Output resolves to UNKNOWN_OUTPUT: apply() would never run for it.
 */
export async function outputValue<T>(o: pulumi.Output<T>): Promise<unknown> {
  const internals = o as unknown as OutputInternals;
  const [known, secret] = await Promise.all([internals.isKnown, internals.isSecret]);
  const value = known ? await internals.promise() : UNKNOWN_OUTPUT;
  return secret ? { [SECRET_SIG]: SECRET_VALUE_SIG, value } : value;
}

/** Swallows the unhandled rejections of failed registrations until the returned undo runs. */
function absorbRegistrationFailures(): () => Promise<void> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const absorb = (reason: unknown) => {
    if (!(reason instanceof Error && reason.message.startsWith("failed to register new resource "))) {
      for (const listener of saved) (listener as (r: unknown, p: Promise<unknown>) => void)(reason, Promise.resolve());
    }
  };
  process.on("unhandledRejection", absorb);
  return async () => {
    // Rejections are reported after the microtasks that could still handle them have run.
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    process.removeListener("unhandledRejection", absorb);
    for (const listener of saved) process.on("unhandledRejection", listener as (...args: unknown[]) => void);
  };
}

const RUNTIME_LOG = /^(debug|info|warning|error): \[runtime\] ([\s\S]*)$/;

/** Diverts the SDK's engine-less log lines (console.*) into `into`; returns the undo. */
function captureRuntimeLogs(into: LogRecord[]): () => void {
  const methods = ["log", "info", "warn", "error"] as const;
  const saved = methods.map((m) => console[m]);
  for (const [i, m] of methods.entries()) {
    const original = saved[i];
    console[m] = (...args: unknown[]) => {
      const match = args.length === 1 && typeof args[0] === "string" ? RUNTIME_LOG.exec(args[0]) : null;
      if (match) into.push({ severity: match[1] as LogRecord["severity"], message: match[2] });
      else original.apply(console, args);
    };
  }
  return () => methods.forEach((m, i) => (console[m] = saved[i]));
}
