// The CLI in a child process: Pulumi's runtime runs one program per process, so a test that
// needs several renders runs each in its own `image-factory` process, as a user would.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "image-factory.js");

export interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function imageFactory(args: readonly string[], cwd: string = ROOT): ProcessRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, FORCE_COLOR: "0" } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the example estate (images.yaml, lock, sources) in a fresh temp folder. */
export function copyExampleEstate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "if-estate-"));
  fs.cpSync(path.join(ROOT, "examples", "estate"), dir, { recursive: true });
  return dir;
}

export function readTree(dir: string, rel = ""): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readTree(dir, child)) out.set(k, v);
    else out.set(child, fs.readFileSync(path.join(dir, child)));
  }
  return out;
}
