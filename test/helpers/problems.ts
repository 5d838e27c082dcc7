// The problems a UserError reports, formatted as the CLI prints them.
import { expect } from "vitest";
import { formatProblem, UserError } from "../../src/config/errors";

/** Runs `fn`, which must throw a UserError, and returns its formatted problems. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).problems.map(formatProblem);
  }
  throw new Error("expected a UserError");
}
