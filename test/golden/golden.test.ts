// The example estate's render of dev (direct delivery, the canary) is committed under
// test/golden/dev, prod's under test/golden/prod (golden-prod.test.ts). A change to what the
// program declares shows up here as a failing test; review the change, then regenerate the
// trees with `npm run golden:update` and commit them with the change.
import * as path from "node:path";
import { beforeAll, expect, it } from "vitest";
import { readLock } from "../../src/analysis/lock";
import { loadImagesFile } from "../../src/config/images";
import { estateRevision, programFingerprint } from "../../src/promotion";
import { type RenderResult, renderStack } from "../../src/render/render";
import { readTree, withoutRevision } from "./tree";

const ROOT = path.resolve(__dirname, "..", "..");
const GOLDEN = path.join(__dirname, "dev");

let result: RenderResult;
beforeAll(async () => {
  result = await renderStack({ projectDir: ROOT, stack: "dev" });
});

it("renders the same files as the committed tree (npm run golden:update regenerates it)", () => {
  const golden = readTree(GOLDEN);
  expect([...result.files.keys()].sort()).toEqual([...golden.keys()].sort());
  for (const [file, content] of result.files) {
    expect(withoutRevision(file, content), `${file} differs from test/golden/dev/${file}; run npm run golden:update if the change is intended`).toBe(
      withoutRevision(file, golden.get(file)),
    );
  }
});

it("exports the estate revision of images.yaml, the lock and this program", () => {
  const expected = estateRevision({
    imagesFile: loadImagesFile(path.join(ROOT, "examples/estate/images.yaml")),
    lock: readLock(path.join(ROOT, "examples/estate")),
    program: programFingerprint(ROOT),
  });
  expect(result.outputs.estateRevision).toBe(expected);
});

it("holds every kind of output a review needs", () => {
  const files = [...result.files.keys()];
  expect(files).toContain("kubernetes/project_image-factory.yaml");
  expect(files).toContain("kubernetes/secret_image-factory_github-credentials.yaml");
  expect(files).toEqual(expect.arrayContaining(["resources.json", "outputs.json", "render.json"]));
  // dev is the canary of prod: it commits nothing (golden-prod.test.ts covers the owner's files).
  expect(files.some((f) => f.startsWith("github/"))).toBe(false);
});

it("shows every secret as [secret], never the placeholder itself", () => {
  const secret = result.files.get("kubernetes/secret_image-factory_github-credentials.yaml")!;
  expect(secret).toContain('stringData: "[secret]"');
  for (const [file, content] of result.files) expect(content, file).not.toContain("[secret image-factory:githubToken]");
  const resources = JSON.parse(result.files.get("resources.json")!) as Array<{ type: string; inputs: Record<string, unknown> }>;
  const provider = resources.find((r) => r.type === "pulumi:providers:github")!;
  expect(provider.inputs.token).toBe("[secret]");
  expect(provider.inputs.owner).toBe("acme");
});
