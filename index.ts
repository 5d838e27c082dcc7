// The Pulumi program: validate the estate, then declare it. See src/program.ts.
// Pulumi's Node host runs an exported function and awaits it; its result is the stack outputs
// (kargoProject, images, bases, workflowFiles, estateRevision).
import * as pulumi from "@pulumi/pulumi";
import { formatProblem, isUserError } from "./src/config/errors";
import { defineImageFactory } from "./src/program";

export = async () => {
  try {
    return await defineImageFactory({ projectDir: __dirname });
  } catch (e) {
    // A mistake in the user's files: print every problem, no stack trace.
    if (isUserError(e)) throw new pulumi.RunError(`invalid configuration:\n${e.problems.map(formatProblem).join("\n")}`);
    throw e;
  }
};
