// An estate with a GitLab source needs the stack secret gitlabToken: without it the program
// stops before it registers a resource, naming the key and the image.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { runProgram } from "../helpers/program-run";

it("refuses an estate with a GitLab source and no gitlabToken, before declaring anything", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-gitlab-token-"));
  const images = path.join(dir, "images.yaml");
  fs.writeFileSync(images, "- name: docs\n  repository: acme/docs\n  source: {provider: gitlab, repo: acme/web/docs}\n");
  fs.writeFileSync(
    path.join(dir, "images.lock.yaml"),
    "version: 1\nimages:\n  docs:\n    inputs:\n      repo: acme/web/docs\n      host: gitlab.com\n      branch: main\n      dockerfile: Dockerfile\n      buildArgs: {}\n      platforms: [linux/amd64]\n    bases:\n      - reference: docker.io/library/node:22\n        runtime: true\n        line: 1\nbases:\n  docker.io/library/node:22: [docs]\n",
  );
  const { error, declared } = await runProgram({ config: { "image-factory:images": images, "image-factory:githubToken": "token-value", "image-factory:kubernetes": JSON.stringify({ context: "test" }) }, secretKeys: ["image-factory:githubToken"] });
  expect(isUserError(error), String(error)).toBe(true);
  expect((error as Error).message).toBe(
    'Pulumi.dev.yaml: image-factory:gitlabToken: is required: image "docs" builds from GitLab (gitlab.com/acme/web/docs); set a GitLab access token with the api scope: pulumi config set --secret image-factory:gitlabToken <token>',
  );
  expect(declared).toEqual([]);
});
