/**
 * The subset of the GitHub Actions workflow syntax the factory generates, as zod schemas.
 * Builders construct these objects; parsing them here both checks them and fixes the key
 * order (zod emits keys in shape order), which keeps the YAML output stable.
 *
 * The schema also carries the security rules, so a workflow that breaks them cannot be
 * rendered at all: every action pinned, and no `${{ }}` inside a `run:` script (values
 * reach scripts only through `env:`, which the shell treats as data).
 */
import { z } from "zod";
import { PINNED_ACTION } from "./actions";

const permissionScope = z.enum([
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "id-token",
  "issues",
  "packages",
  "pages",
  "pull-requests",
  "security-events",
  "statuses",
]);
export type PermissionScope = z.infer<typeof permissionScope>;

export const permissionsSchema = z.partialRecord(permissionScope, z.enum(["read", "write", "none"]));

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "must be an identifier");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
/** A whole-value expression, `${{ ... }}`. */
const expression = z.string().regex(/^\$\{\{ .+ \}\}$/, "must be a ${{ }} expression");
const concurrencySchema = z.strictObject({ group: z.string().min(1), "cancel-in-progress": z.boolean() });

const stringInputSchema = z.strictObject({
  description: z.string().min(1),
  required: z.boolean(),
  type: z.literal("string"),
  default: z.string().optional(),
});

const choiceInputSchema = z
  .strictObject({
    description: z.string().min(1),
    required: z.boolean(),
    type: z.literal("choice"),
    options: z.array(z.string().min(1)).min(1),
    default: z.string(),
  })
  .refine((i) => i.options.includes(i.default), "default must be one of the options");

const booleanInputSchema = z.strictObject({
  description: z.string().min(1),
  required: z.boolean(),
  type: z.literal("boolean"),
  default: z.boolean(),
});

export const dispatchInputSchema = z.union([stringInputSchema, choiceInputSchema, booleanInputSchema]);
export type WorkflowInput = z.infer<typeof dispatchInputSchema>;

export const stepSchema = z
  .strictObject({
    name: z.string().min(1),
    id: identifier.optional(),
    if: z.string().min(1).optional(),
    uses: z.string().regex(PINNED_ACTION, "must pin an action to a commit SHA (GitHub's own actions/* may use a major version, @vN)").optional(),
    with: z.record(z.string().min(1), z.union([z.string(), z.boolean(), z.number()])).optional(),
    env: z.record(envName, z.string()).optional(),
    "continue-on-error": z.literal(true).optional(),
    shell: z.literal("bash").optional(),
    run: z.string().min(1).optional(),
  })
  .superRefine((step, ctx) => {
    if ((step.uses === undefined) === (step.run === undefined)) {
      ctx.addIssue({ code: "custom", message: "a step has exactly one of uses and run" });
    }
    if (step.with !== undefined && step.uses === undefined) ctx.addIssue({ code: "custom", path: ["with"], message: "only applies to uses" });
    if (step.shell !== undefined && step.run === undefined) ctx.addIssue({ code: "custom", path: ["shell"], message: "only applies to run" });
    // The one rule that prevents script injection: the runner substitutes ${{ }} into the
    // script text before the shell sees it, so any value there could become code.
    if (step.run?.includes("${{")) {
      ctx.addIssue({ code: "custom", path: ["run"], message: "must not contain ${{ }} expressions; pass values through env" });
    }
  });
export type Step = z.infer<typeof stepSchema>;

export const jobSchema = z.strictObject({
  name: z.string().min(1),
  needs: z.array(identifier).min(1).optional(),
  if: z.string().min(1).optional(),
  "runs-on": z.string().min(1),
  "timeout-minutes": z.number().int().positive(),
  permissions: permissionsSchema,
  concurrency: concurrencySchema.optional(),
  strategy: z
    .strictObject({
      "fail-fast": z.boolean(),
      // Only a matrix computed by an earlier job: `include: ${{ fromJSON(needs.x.outputs.y) }}`.
      matrix: z.strictObject({ include: expression }),
    })
    .optional(),
  outputs: z.record(identifier, expression).optional(),
  steps: z.array(stepSchema).min(1),
});
export type Job = z.infer<typeof jobSchema>;

export const workflowSchema = z.strictObject({
  name: z.string().min(1),
  "run-name": z.string().min(1).optional(),
  on: z.strictObject({
    workflow_dispatch: z.strictObject({ inputs: z.record(identifier, dispatchInputSchema) }),
    push: z.strictObject({ branches: z.array(z.string().min(1)).min(1), paths: z.array(z.string().min(1)).min(1) }).optional(),
  }),
  permissions: permissionsSchema,
  concurrency: concurrencySchema.optional(),
  jobs: z.record(identifier, jobSchema),
});
export type Workflow = z.infer<typeof workflowSchema>;
