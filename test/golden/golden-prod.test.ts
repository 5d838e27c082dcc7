// The example estate's render of prod (GitOps delivery, the owner of the builds) is committed
// under test/golden/prod; see golden.test.ts. Pulumi's runtime renders one stack per process,
// so this file has its own.
import * as path from "node:path";
import { beforeAll, expect, it } from "vitest";
import { type RenderResult, renderStack } from "../../src/render/render";
import { readTree, withoutRevision } from "./tree";

const ROOT = path.resolve(__dirname, "..", "..");
const GOLDEN = path.join(__dirname, "prod");

let result: RenderResult;
beforeAll(async () => {
  result = await renderStack({ projectDir: ROOT, stack: "prod" });
});

it("renders the same files as the committed tree (npm run golden:update regenerates it)", () => {
  const golden = readTree(GOLDEN);
  expect([...result.files.keys()].sort()).toEqual([...golden.keys()].sort());
  for (const [file, content] of result.files) {
    expect(withoutRevision(file, content), `${file} differs from test/golden/prod/${file}; run npm run golden:update if the change is intended`).toBe(
      withoutRevision(file, golden.get(file)),
    );
  }
});

it("commits the owner's workflows and, delivering through GitOps, the Kargo manifests", () => {
  const files = [...result.files.keys()];
  expect(files.some((f) => /^github\/acme\/platform\/\.github\/workflows\/[^/]+\.yml$/.test(f))).toBe(true);
  expect(files.some((f) => f.startsWith("github/acme/image-factory-state/clusters/prod/kargo/"))).toBe(true);
});
