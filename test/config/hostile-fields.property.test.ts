// Random strings, Unicode line separators and controls included, in every images.yaml field:
// either validation rejects the file, or every generated workflow and Kargo manifest holds none
// of the forbidden characters, reads back as exactly the structure written under YAML 1.2 and
// YAML 1.1 rules (and js-yaml's), and carries no Kargo expression delimiter from user input.
import fc from "fast-check";
import * as jsYaml from "js-yaml";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { lockInputsOf, type Lock } from "../../src/analysis/lock";
import { isUserError } from "../../src/config/errors";
import { parseImagesText } from "../../src/config/images";
import { KARGO_DELIMITERS } from "../../src/config/text-policy";
import { buildRepoWorkflow, renderRepoWorkflow } from "../../src/github/workflow";
import { toYamlStream } from "../../src/github/yaml";
import { planKargo } from "../../src/kargo/objects";
import { buildEstate } from "../../src/model/estate";
import { yamlDocument } from "../../src/render/yaml";

/** Every field of an image and a base declaration, with a valid value each. */
const DEFAULTS: Record<string, string> = {
  name: "app",
  registry: "registry.example.com",
  repository: "acme/app",
  "source.repo": "acme/app",
  "source.branch": "main",
  "source.dockerfile": "docker/Dockerfile",
  "source.context": "docker",
  "buildArgs.VERSION": "1.2",
  buildArgKey: "PYTHON",
  rebuildDelay: "7d",
  versionBump: "patch",
  platform: "linux/amd64",
  "updates.0.repo": "acme/deploy",
  "updates.0.path": "apps/app/values.yaml",
  "updates.0.key": "image.tag",
  "updates.0.branch": "main",
  "updates.1.path": "apps/app",
  "base.constraint": "^3\\.\\d+$",
  "base.platform": "linux/arm64",
  "base.interval": "6h",
};

const NASTY = ["\u2028", "\u2029", "\u0085", "\u007f", "\u009b", "\u0000", "\u001b", "\t", "\n", "\r", "\ufeff", "\ud800", "${{", "}}", "${%", "%}", "=", "<<", "y", "on", "017", "1:20", "2001-12-14", "#", ": ", "- ", "'", '"', "\\", "&a", "*a", "!!str ", "|", "%", "@", "`", "{", "[", " "];

const fieldValue = (fallback: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(fallback) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.constantFrom("prefix", "suffix", "middle")).map(([n, where]) => (where === "prefix" ? n + fallback : where === "suffix" ? fallback + n : fallback.slice(0, 2) + n + fallback.slice(2))) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 3 })), { maxLength: 5 }).map((parts) => parts.join("")) },
  );

/** One to three fields changed at a time, so that valid files are common enough to test the output. */
const fieldsArb = fc
  .array(
    fc.constantFrom(...Object.keys(DEFAULTS)).chain((k) => fieldValue(DEFAULTS[k]).map((v) => [k, v] as const)),
    { minLength: 1, maxLength: 3 },
  )
  .map((changes) => ({ ...DEFAULTS, ...Object.fromEntries(changes) }));

function documentOf(f: Record<string, string>): unknown[] {
  return [
    { base: "docker.io/library/python:3.12-slim", tagPolicy: "lexical", constraint: f["base.constraint"], platform: f["base.platform"], interval: f["base.interval"] },
    {
      name: f.name,
      registry: f.registry,
      repository: f.repository,
      source: { repo: f["source.repo"], branch: f["source.branch"], dockerfile: f["source.dockerfile"], context: f["source.context"] },
      rebuildDelay: f.rebuildDelay,
      versionBump: f.versionBump,
      platforms: [f.platform],
      buildArgs: { VERSION: f["buildArgs.VERSION"], [f.buildArgKey]: "x" },
      updates: [
        { repo: f["updates.0.repo"], path: f["updates.0.path"], type: "yaml-update", key: f["updates.0.key"], branch: f["updates.0.branch"] },
        { repo: f["updates.0.repo"], path: f["updates.1.path"], type: "kustomize-set-image", branch: f["updates.0.branch"] },
      ],
    },
  ];
}

const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Everything generated from one images.yaml text: workflow and manifests as objects and as text. */
function generate(text: string) {
  const imagesFile = parseImagesText(text, "images.yaml");
  const lock: Lock = { images: Object.create(null), bases: {} };
  for (const image of imagesFile.images) {
    lock.images[image.name] = { inputs: lockInputsOf(image), bases: [{ reference: "docker.io/library/python:3.12-slim", runtime: true, line: 1 }], unresolved: [] };
  }
  lock.bases = { "docker.io/library/python:3.12-slim": imagesFile.images.map((i) => i.name) };
  const estate = buildEstate(imagesFile, lock);
  const objects = planKargo(estate, { project: "image-factory", factoryRepo: "acme/factory" }).objects;
  const image = imagesFile.images[0];
  return {
    outputs: [
      { value: JSON.parse(JSON.stringify(buildRepoWorkflow([image]))) as unknown, text: renderRepoWorkflow([image]), stream: false },
      ...objects.map((o) => ({ value: o as unknown, text: yamlDocument(o), stream: false })),
      { value: objects as unknown, text: toYamlStream(objects, { quoteKeys: true }), stream: true },
    ],
    objects,
  };
}

function delimiterCounts(value: unknown): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(KARGO_DELIMITERS.map((d) => [d, 0]));
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") for (const d of KARGO_DELIMITERS) counts[d] += v.split(d).length - 1;
    else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === "object") stack.push(...Object.values(v));
  }
  return counts;
}

const baseline = generate(JSON.stringify(documentOf(DEFAULTS)));

describe("random strings in every images.yaml field", () => {
  it("are rejected, or generate files that are clean, read back exactly under YAML 1.2 and 1.1, and carry no Kargo delimiter from the input", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fieldsArb, (fields) => {
        const text = JSON.stringify(documentOf(fields));
        let generated: ReturnType<typeof generate>;
        try {
          generated = generate(text);
        } catch (e) {
          if (!isUserError(e)) throw e;
          return;
        }
        accepted++;
        for (const { value, text: out, stream } of generated.outputs) {
          expect(out).not.toMatch(FORBIDDEN);
          if (stream) {
            const docs12 = out.split(/^---\n/m).filter((d) => d.trim() !== "" && !d.trim().startsWith("#")).map((d: string) => parse(d, { version: "1.2" }));
            expect(docs12).toEqual(value);
            expect(jsYaml.loadAll(out).filter((d) => d !== null)).toEqual(value);
          } else {
            expect(parse(out, { version: "1.2" })).toEqual(value);
            // A workflow's bare `on:` key (GitHub's own, read as YAML 1.2) is the one key a 1.1 reader takes for true.
            const asWritten = (loaded: unknown) => {
              const copy = JSON.parse(JSON.stringify(loaded)) as Record<string, unknown>;
              if (copy && "true" in copy && "on" in (value as object)) {
                copy.on = copy.true;
                delete copy.true;
              }
              return copy;
            };
            const normalized = JSON.parse(JSON.stringify(value));
            expect(asWritten(parse(out, { version: "1.1", merge: true }))).toEqual(normalized);
            expect(asWritten(jsYaml.load(out))).toEqual(normalized);
          }
        }
        // The program's own expressions are the only delimiters: as many as with plain values.
        expect(delimiterCounts(generated.objects)).toEqual(delimiterCounts(baseline.objects));
      }),
      { numRuns: 120 },
    );
    // The generator is not so hostile that nothing is ever accepted.
    expect(accepted).toBeGreaterThan(10);
  }, 180_000);
});
