// Reading a committed golden tree, and comparing it without the estate revision (which
// fingerprints the program's source, so it changes with every source change).
import * as fs from "node:fs";
import * as path from "node:path";

export function readTree(dir: string, rel = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readTree(dir, child)) out.set(k, v);
    else out.set(child, fs.readFileSync(path.join(dir, child), "utf8"));
  }
  return out;
}

export function withoutRevision(file: string, content: string | undefined): string | undefined {
  return file === "outputs.json" && content !== undefined ? content.replace(/"estateRevision": "sha256:[0-9a-f]{64}"/, '"estateRevision": "<revision>"') : content;
}
