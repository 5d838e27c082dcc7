// A secret that loses its secret flag inside the program is caught before anything is written.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { assertNoSecrets, renderStack, SecretLeakError, writeRender } from "../../src/render/render";
import { ROOT } from "./child";

const TOKEN = "ghp_leakTestToken0123456789abcdef";

it("refuses to write a render that holds a secret, in any encoding, and writes nothing", async () => {
  const result = await renderStack({
    projectDir: ROOT,
    stack: "dev",
    program: path.join(__dirname, "fixtures", "leaky-program.ts"),
    config: [`image-factory:githubToken=${TOKEN}`],
  });
  // The leak is there, base64-encoded behind a prefix (so not aligned to a 3-byte boundary).
  const configMap = result.files.get("kubernetes/configmap_demo_leak.yaml")!;
  expect(configMap).toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
  expect(configMap).not.toContain(TOKEN);

  let error: unknown;
  try {
    assertNoSecrets(result);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SecretLeakError);
  const message = (error as Error).message;
  expect(message).toContain("kubernetes/configmap_demo_leak.yaml (base64");
  expect(message).toContain("resources.json (base64");
  expect(message).not.toContain(TOKEN);

  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "if-leak-"));
  const out = path.join(parent, "render");
  expect(() => writeRender(result, out)).toThrow(SecretLeakError);
  expect(fs.readdirSync(parent)).toEqual([]);

  // The secret is kept off the result's enumerable fields: logging the result cannot show it.
  expect(JSON.stringify({ ...result, files: [...result.files] })).not.toContain(TOKEN);
});
