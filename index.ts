// The Pulumi program: validate the estate, then declare it. See src/program.ts.
import * as pulumi from "@pulumi/pulumi";
import { formatProblem, isUserError } from "./src/config/errors";
import { defineImageFactory } from "./src/program";

function define() {
  try {
    return defineImageFactory({ projectDir: __dirname });
  } catch (e) {
    // A mistake in the user's files: print every problem, no stack trace.
    if (isUserError(e)) throw new pulumi.RunError(`invalid configuration:\n${e.problems.map(formatProblem).join("\n")}`);
    throw e;
  }
}

const estate = define();

export const kargoProject = estate.kargoProject;
export const images = estate.images;
export const bases = estate.bases;
export const workflowFiles = estate.workflowFiles;
