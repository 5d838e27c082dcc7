// An invalid images.yaml must stop the program before it registers a single resource.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { runProgram } from "../helpers/program-run";

it("registers no resource when images.yaml is invalid, and says why", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-invalid-"));
  const images = path.join(dir, "images.yaml");
  // One valid image and one with a typo: nothing at all may be applied.
  fs.writeFileSync(images, "- name: ok\n  repository: acme/ok\n  source: {repo: acme/ok}\n- name: bad\n  repository: acme/bad\n  source: {repo: acme/bad}\n  rebuildDelya: 7d\n");
  const { error, declared } = await runProgram({ config: { "image-factory:images": images, "image-factory:githubToken": "token-value", "image-factory:kubernetes": JSON.stringify({ context: "test" }) }, secretKeys: ["image-factory:githubToken"], projectDir: dir });
  expect(isUserError(error)).toBe(true);
  expect((error as Error).message).toContain('image "bad": rebuildDelya: unknown key rebuildDelya, did you mean rebuildDelay?');
  // Nothing but the stack's root (which exists before the program runs) was registered.
  expect(declared).toEqual([]);
});
