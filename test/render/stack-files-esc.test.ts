// Stack files that import Pulumi ESC environments: render reads them without Pulumi Cloud and
// says what it could not resolve.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { readProjectFile, readStackValues, secretPlaceholder } from "../../src/render/stack-files";

function project(stackFile: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-esc-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: image-factory\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackFile);
  return dir;
}
const read = (dir: string) => readStackValues(readProjectFile(dir), { projectDir: dir, stack: "dev" });

it("names the imported environments in a note and stands in placeholders for the token and kubeconfig they may provide", () => {
  const v = read(project("environment:\n  - image-factory/dev\n  - shared/registries\nconfig:\n  image-factory:kargoProject: estate\n"));
  expect(v.notes[0]).toBe(
    "Pulumi.dev.yaml imports the Pulumi ESC environments image-factory/dev, shared/registries; render cannot open them offline, so the values they provide are missing here",
  );
  expect(v.config["image-factory:githubToken"]).toBe(secretPlaceholder("image-factory:githubToken"));
  expect(v.config["image-factory:kubeconfig"]).toBe(secretPlaceholder("image-factory:kubeconfig"));
  expect(v.secretKeys).toEqual(expect.arrayContaining(["image-factory:githubToken", "image-factory:kubeconfig"]));
  expect(v.notes).toContain("image-factory:kubeconfig is not set in Pulumi.dev.yaml and may come from its ESC environment; a placeholder stands in for it");
});

it("needs no kubeconfig placeholder when the stack file names a context", () => {
  const v = read(project("environment:\n  - image-factory/dev\nconfig:\n  image-factory:kubernetes:\n    context: dev\n"));
  expect(v.config["image-factory:kubeconfig"]).toBeUndefined();
});

it("invents no kubeconfig for a stack without an environment: naming the cluster is then the stack file's job", () => {
  const v = read(project("config:\n  image-factory:kargoProject: estate\n"));
  expect(v.config["image-factory:kubeconfig"]).toBeUndefined();
});

it("reads an inline environment definition (imports and values)", () => {
  const v = read(project("environment:\n  imports:\n    - image-factory/dev\n  values:\n    pulumiConfig:\n      image-factory:kargoProject: x\nconfig: {}\n"));
  expect(v.notes[0]).toContain("image-factory/dev, (inline values)");
});

it("rejects an environment entry that names nothing, naming the file and the key", () => {
  try {
    read(project("environment:\n  - 3\n"));
    expect.unreachable();
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    expect((e as { problems: Array<{ file: string; field: string }> }).problems[0]).toMatchObject({ file: "Pulumi.dev.yaml", field: "environment" });
  }
});
