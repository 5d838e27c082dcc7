/**
 * The check across stacks that `validate` runs: build ownership. Light on purpose (types only
 * from the stack layer), so the CLI can run it without loading the components.
 */
import { type Problem, UserError } from "./config/errors";
import { sourceKey, sourceLabel } from "./config/source";
import type { PreparedStack } from "./stack";

/**
 * Exactly one stack may own the builds of an image (dispatch real builds, commit its workflow
 * file): two owners of one image would build and version it twice, and fight over the file.
 * An image is the same image in two stacks when it builds from the same repository, branch and
 * workflow. Throws a UserError naming each stack file.
 */
export function checkBuildOwners(stacks: ReadonlyArray<Pick<PreparedStack, "configFile" | "settings" | "estate">>): void {
  const owners = new Map<string, string>();
  const problems: Problem[] = [];
  for (const stack of stacks) {
    if (stack.settings.builds !== "owner") continue;
    for (const node of stack.estate.images) {
      const { branch, workflow } = node.spec.source;
      const repo = sourceLabel(node.spec.source);
      const key = `${sourceKey(node.spec.source)}@${branch}:${workflow}:${node.spec.name}`;
      const first = owners.get(key);
      if (first !== undefined && first !== stack.configFile) {
        problems.push({
          file: stack.configFile,
          field: "image-factory:builds",
          message: `owns the builds of image "${node.spec.name}" (${repo}) as ${first} does; exactly one stack may own them: make one of the two a canary (image-factory:builds: canary)`,
        });
      } else {
        owners.set(key, stack.configFile);
      }
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}
