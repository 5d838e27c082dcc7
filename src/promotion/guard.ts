/**
 * The promotion guard: a stack with `image-factory:promotion.from: org/project/stack` applies
 * only an estate revision that stack has applied (exported as `estateRevision`).
 *
 * - `pulumi up`: a different or missing upstream revision is an error, raised before the
 *   program declares anything (the guard's StackReference is the only resource read).
 * - `pulumi preview`: the same finding is a warning. A pull request's preview of a later
 *   environment runs before the upstream stack has applied the change (that happens on
 *   merge), so failing there would fail every PR; the warning in the preview says what
 *   `up` will require.
 */
import * as pulumi from "@pulumi/pulumi";
import { UserError } from "../config/errors";
import { REVISION_OUTPUT, shortRevision } from "./revision";

export interface PromotionGuardArgs {
  /** The upstream stack, fully qualified: org/project/stack. */
  from: string;
  /** This stack's estate revision (estateRevision()). */
  revision: string;
  /** The StackReference's resource name. */
  name?: string;
  /** The stack config file, named in the error. */
  configFile?: string;
}

export interface PromotionCheck {
  upstream: string;
  /** What the upstream stack exports; undefined when it exports none. */
  upstreamRevision?: string;
  revision: string;
  /** The upstream has applied this revision. */
  applied: boolean;
}

/**
 * Reads the upstream stack's `estateRevision` and compares. Await it before declaring any
 * resource: on `up` it throws a UserError when the upstream has not applied this revision.
 */
export async function guardPromotion(args: PromotionGuardArgs): Promise<PromotionCheck> {
  const ref = new pulumi.StackReference(args.name ?? "promotion-upstream", { name: args.from });
  const details = await ref.getOutputDetails(REVISION_OUTPUT);
  const exported = details.value ?? details.secretValue;
  const upstreamRevision = typeof exported === "string" ? exported : undefined;
  const check: PromotionCheck = { upstream: args.from, upstreamRevision, revision: args.revision, applied: upstreamRevision === args.revision };
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

/** Whether a log line is the guard's finding about `upstream` (render drops it: it cannot read stacks). */
export function isPromotionFinding(message: string, upstream: string): boolean {
  return message.startsWith(`stack ${upstream} has not applied estate revision `);
}

export function promotionMessage(check: PromotionCheck): string {
  const has = check.upstreamRevision === undefined ? `it exports no ${REVISION_OUTPUT} (never applied, or applied before promotion existed)` : `it has applied ${shortRevision(check.upstreamRevision)}`;
  return (
    `stack ${check.upstream} has not applied estate revision ${shortRevision(check.revision)}: ${has}. ` +
    `Apply the same commit to ${check.upstream} first (\`pulumi up --stack ${check.upstream}\`), then to this stack.`
  );
}
