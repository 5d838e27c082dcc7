// The layers of src/, top to bottom: an import may point down or stay in its layer, never up.
//   cli → plan, render → program, stack, build-owners → components (kargo, github, gitlab,
//   argocd, gitops, promotion, batches) → model → analysis → config
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";

const SRC = path.join(__dirname, "..", "..", "src");
const RANK: Record<string, number> = {
  cli: 7,
  plan: 6,
  render: 6,
  "program.ts": 5,
  "stack.ts": 5,
  "build-owners.ts": 5,
  kargo: 4,
  github: 4,
  gitlab: 4,
  argocd: 4,
  gitops: 4,
  promotion: 4,
  "batches.ts": 4,
  model: 3,
  analysis: 2,
  config: 1,
};

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** The layer of a path under src/: its top folder, or the file itself at the top. */
function layerOf(rel: string): string {
  const top = rel.split(path.sep)[0];
  if (top === rel) return fs.existsSync(path.join(SRC, top)) && fs.statSync(path.join(SRC, top)).isDirectory() ? top : top.endsWith(".ts") ? top : `${top}.ts`;
  return top;
}

it("every module of src/ belongs to a layer, and no import points to a higher one", () => {
  const upward: string[] = [];
  for (const file of files(SRC)) {
    const rel = path.relative(SRC, file);
    const from = layerOf(rel);
    expect(RANK[from], `${rel} is in no layer`).toBeDefined();
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = path.relative(SRC, path.resolve(path.dirname(file), m[1]));
      const to = layerOf(target);
      expect(RANK[to], `${rel} imports ${m[1]}, in no layer`).toBeDefined();
      if (RANK[to] > RANK[from]) upward.push(`${rel} (${from}) imports ${m[1]} (${to})`);
    }
  }
  expect(upward).toEqual([]);
});
