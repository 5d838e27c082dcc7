/**
 * The promotion guard: a stack with `image-factory:promotion.from: org/project/stack` applies
 * only an estate revision that stack has applied (exported as `estateRevision`).
 *
 * - `pulumi up`: a different or missing upstream revision, or an upstream stack that cannot be
 *   read (it does not exist yet, or this token may not read it), is an error, raised before
 *   the program declares anything.
 * - `pulumi preview`: the same findings are warnings. A pull request's preview of a later
 *   environment runs before the upstream stack has applied the change (that happens on
 *   merge), so failing there would fail every PR; the warning says what `up` will require.
 *
 * Why the upstream's `estateRevision` means "applied": the program exports it only once every
 * resource of that update is registered (program.ts, exportWhenApplied). The engine keeps a
 * failed update's old outputs except the ones the program registered (pulumi/pulumi
 * pkg/resource/deploy/step_executor.go, executeRegisterResourceOutputs, finalizing with
 * `errored`); a failed registration rejects the revision's Output, so the stack's outputs are
 * registered without it and the previous, really applied, revision stays.
 *
 * The upstream is read with the engine's `pulumi:pulumi:readStackOutputs` function, not a
 * StackReference: a StackReference is a read step, and read steps run during previews too
 * (pkg/resource/deploy/step.go, ReadStep.Apply), so a missing upstream would fail the whole
 * preview with the engine's error before the program could say anything. A failed function
 * call fails only the call (pkg/resource/deploy/source_eval.go, resmon.Invoke returns the
 * error to the program), and the guard turns it into its own message. Both go through the
 * same backend call (pkg/resource/deploy/builtins.go, readStackReference).
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../config/errors";
import { REVISION_OUTPUT, shortRevision } from "../model/revision";

/** The engine's built-in function that returns another stack's outputs. */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

export interface PromotionGuardArgs {
  /** The upstream stack, fully qualified: org/project/stack. */
  from: string;
  /** This stack's estate revision (estateRevision()). */
  revision: string;
  /** The stack config file, named in the error. */
  configFile?: string;
}

export interface PromotionCheck {
  upstream: string;
  /** What the upstream stack exports; undefined when it exports none or cannot be read. */
  upstreamRevision?: string;
  /** Why the upstream stack could not be read (it does not exist, or access is denied). */
  unreadable?: string;
  revision: string;
  /** The upstream has applied this revision. */
  applied: boolean;
}

/**
 * Reads the upstream stack's `estateRevision` and compares. Await it before declaring any
 * resource: on `up` it throws a UserError unless the upstream has applied this revision.
 */
export async function guardPromotion(args: PromotionGuardArgs): Promise<PromotionCheck> {
  const read = await readUpstreamRevision(args.from);
  const check: PromotionCheck = { upstream: args.from, ...read, revision: args.revision, applied: read.upstreamRevision === args.revision };
  if (check.applied) {
    void pulumi.log.info(`promotion: ${args.from} has applied estate revision ${shortRevision(args.revision)}`);
    return check;
  }
  const message = promotionMessage(check);
  if (pulumi.runtime.isDryRun()) {
    void pulumi.log.warn(`${message} (a preview only warns; \`pulumi up\` will refuse)`);
    return check;
  }
  throw new UserError([{ file: args.configFile ?? `Pulumi.${pulumi.getStack()}.yaml`, field: "image-factory:promotion.from", message }]);
}

async function readUpstreamRevision(from: string): Promise<{ upstreamRevision?: string; unreadable?: string }> {
  let result: unknown;
  try {
    result = await pulumi.runtime.invoke(READ_STACK_OUTPUTS, { name: from });
  } catch (e) {
    return { unreadable: reasonOf(e) };
  }
  const outputs = (result as { outputs?: Record<string, unknown> } | undefined)?.outputs ?? {};
  const exported = outputs[REVISION_OUTPUT];
  return typeof exported === "string" ? { upstreamRevision: exported } : {};
}

/** The engine's reason, on one line, without the RPC wrapping. */
function reasonOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "unknown error";
  return line.replace(/^.*?returned an error: /, "").trim();
}

/** Whether a log line is the guard's finding about `upstream` (render drops it: it cannot read stacks). */
export function isPromotionFinding(message: string, upstream: string): boolean {
  return message.startsWith(`stack ${upstream} has not applied estate revision `) || message.startsWith(`cannot read stack ${upstream} `);
}

export function promotionMessage(check: PromotionCheck): string {
  if (check.unreadable !== undefined) {
    return (
      `cannot read stack ${check.upstream} (${check.unreadable}), so nothing shows it has applied estate revision ${shortRevision(check.revision)}. ` +
      `Create it and apply the same commit to it first (\`pulumi up --stack ${check.upstream}\`), or fix image-factory:promotion.from, then apply this stack.`
    );
  }
  const has = check.upstreamRevision === undefined ? `it exports no ${REVISION_OUTPUT} (never applied successfully, or applied before promotion existed)` : `it has applied ${shortRevision(check.upstreamRevision)}`;
  return (
    `stack ${check.upstream} has not applied estate revision ${shortRevision(check.revision)}: ${has}. ` +
    `Apply the same commit to ${check.upstream} first (\`pulumi up --stack ${check.upstream}\`), then to this stack.`
  );
}
