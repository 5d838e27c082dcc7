// What Pulumi's Node.js language host needs to run index.ts after a production install.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options: Record<string, unknown> } };

// pulumi/pulumi sdk/nodejs/tsutils.ts, typeScriptRequireStrings: the host requires the
// project's typescript and ts-node and falls back to vendored typescript@3.8.3 and
// ts-node@7.0.1 when they are missing, which `npm ci --omit=dev` would make them.
it("has typescript and ts-node as runtime dependencies", () => {
  expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["typescript", "ts-node"]));
  expect(Object.keys(pkg.devDependencies)).not.toContain("typescript");
  expect(Object.keys(pkg.devDependencies)).not.toContain("ts-node");
});

// sdk/nodejs/cmd/pulumi-language-nodejs/main.go: the `nodeargs` runtime option is split and
// passed to node, so the heap does not depend on the user's NODE_OPTIONS.
it("gives node the heap a large estate needs through Pulumi.yaml's nodeargs", () => {
  expect(project.runtime.options.typescript).toBe(true);
  expect(project.runtime.options.nodeargs).toMatch(/^--max-old-space-size=\d{4,}$/);
});
