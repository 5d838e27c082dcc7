// A production install (`npm ci --omit=dev`) must run the CLI and the program: every package
// that code outside the tests loads at run time is a `dependencies` entry, and nothing is a
// `dependencies` entry that only the tests use.
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  bin: Record<string, string>;
  main: string;
};

/** Runtime dependencies no source file imports, and why they are needed anyway. */
const LOADED_BY_TOOLS: Record<string, string> = {
  typescript: "Pulumi's Node.js language host compiles index.ts with it",
  "ts-node": "Pulumi's Node.js language host registers it to run index.ts",
};

/** The package a module specifier names: `@scope/name/sub` → `@scope/name`, `tsx/cjs` → `tsx`. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return builtinModules.includes(name) ? undefined : name;
}

/**
 * The module specifiers a file loads at run time: value imports and re-exports, require()
 * and import() with a literal. `import type` and `export type` are erased by the compiler.
 */
export function runtimeSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm)) {
    if (!m[2]) found.push(m[3]);
  }
  for (const m of code.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]);
  return found;
}

/** Every file reachable by relative imports from the entry points (the bin, index.ts). */
function reachableFiles(entries: string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const specifiers = runtimeSpecifiers(fs.readFileSync(file, "utf8"));
    seen.set(file, specifiers);
    for (const s of specifiers) {
      if (!s.startsWith(".")) continue;
      const base = path.resolve(path.dirname(file), s);
      const candidates = [base, `${base}.ts`, `${base}.js`, path.join(base, "index.ts")];
      const target = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (!target) throw new Error(`${path.relative(ROOT, file)}: cannot resolve ${s}`);
      queue.push(target);
    }
  }
  return seen;
}

const entries = [...Object.values(pkg.bin), pkg.main].map((f) => path.join(ROOT, f));
const files = reachableFiles(entries);
// The CLI loads the Pulumi program (index.ts) by path at run time, as Pulumi would.
const used = new Map<string, string>();
for (const [file, specifiers] of files) {
  for (const s of specifiers) {
    const name = packageOf(s);
    if (name && !used.has(name)) used.set(name, path.relative(ROOT, file));
  }
}

describe("runtime dependencies", () => {
  it("follows the import graph from the CLI and the program", () => {
    expect(files.size).toBeGreaterThan(20);
    expect([...files.keys()].map((f) => path.relative(ROOT, f))).toEqual(expect.arrayContaining(["bin/image-factory.js", "src/cli/main.ts", "index.ts"]));
  });

  it("declares every package the CLI and the program load as a dependency, not a devDependency", () => {
    const missing = [...used].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (loaded by ${file})`);
    expect(missing).toEqual([]);
  });

  it("declares no dependency that neither loads nor a tool needs (tests' packages are devDependencies)", () => {
    const unused = Object.keys(pkg.dependencies).filter((name) => !used.has(name) && !(name in LOADED_BY_TOOLS));
    expect(unused).toEqual([]);
  });

  it("sees through the forms the sources use: type-only imports are not runtime imports", () => {
    const sample = [
      'import * as fs from "node:fs";',
      'import { a, type B } from "diff";',
      'import type { C } from "dev-only";',
      'export type { D } from "dev-only-2";',
      'export { e } from "@scope/pkg/sub";',
      'require("tsx/cjs");',
      "// import x from \"commented\";",
      'const m = await import("lazy");',
    ].join("\n");
    expect(runtimeSpecifiers(sample).map(packageOf).filter(Boolean)).toEqual(["diff", "@scope/pkg", "tsx", "lazy"]);
  });
});
