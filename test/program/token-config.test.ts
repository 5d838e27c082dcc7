// An empty or header-unsafe githubToken stops the program before it registers a resource, and the
// error never shows the token (the program reads Pulumi's config, not render's stack reader).
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { runProgram } from "../helpers/program-run";

it("refuses a githubToken with a line break, without echo, before declaring anything", async () => {
  const token = "ghp_firstHalfOfToken\nsecondHalf";
  const { error, declared } = await runProgram({ config: { "image-factory:githubToken": token, "image-factory:kubernetes": JSON.stringify({ context: "test" }) }, secretKeys: ["image-factory:githubToken"] });
  expect(isUserError(error)).toBe(true);
  expect((error as Error).message).toBe(
    "Pulumi.dev.yaml: image-factory:githubToken: holds a character a token cannot have (a blank, a line break, a control or non-ASCII character): set it again without it",
  );
  expect((error as Error).message).not.toContain("ghp_");
  expect(declared).toEqual([]);
});
