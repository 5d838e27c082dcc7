import * as path from "node:path";
import { readLock } from "../../src/analysis/lock";
import { loadImagesFile } from "../../src/config/images";
import { buildEstate } from "../../src/model/estate";
import type { Estate } from "../../src/model/types";
import type { KubernetesObject } from "../../src/gitops/manifests";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The example estate, as the program builds it from images.yaml and the committed lock. */
export function exampleEstate(): Estate {
  const dir = path.join(ROOT, "examples", "estate");
  return buildEstate(loadImagesFile(path.join(dir, "images.yaml"), "images.yaml"), readLock(dir));
}

export function find(objects: KubernetesObject[], kind: string, name: string): KubernetesObject & { spec: any } {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o as KubernetesObject & { spec: any };
}

/**
 * The top-level keys of the `inputs` map of a dispatch body, read the way expr-lang reads
 * the map literal: skipping string literals and anything nested in brackets.
 */
export function bodyInputs(body: string): { ref: string; inputs: string[] } {
  const ref = /"ref": ("(?:[^"\\]|\\.)*")/.exec(body);
  const start = body.indexOf('"inputs": {');
  if (!ref || start < 0) throw new Error(`not a dispatch body: ${body}`);
  const keys: string[] = [];
  let depth = 0;
  let expectKey = true;
  for (let i = start + '"inputs": {'.length; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      let j = i + 1;
      while (body[j] !== '"') j += body[j] === "\\" ? 2 : 1;
      if (depth === 0 && expectKey) {
        keys.push(JSON.parse(body.slice(i, j + 1)));
        expectKey = false;
      }
      i = j;
    } else if ("{([".includes(c)) depth++;
    else if ("})]".includes(c)) {
      if (depth === 0) break;
      depth--;
    } else if (c === "," && depth === 0) expectKey = true;
  }
  return { ref: JSON.parse(ref[1]), inputs: keys };
}
