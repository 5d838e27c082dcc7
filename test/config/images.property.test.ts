import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import * as jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { isUserError } from "../../src/config/errors";
import { parseImagesText } from "../../src/config/images";

const EXAMPLE = fs.readFileSync(path.join(__dirname, "..", "..", "examples", "estate", "images.yaml"), "utf8");

/** Parses, and checks that the only failure is a UserError whose problems are well formed. */
function parsesCleanly(text: string): void {
  try {
    parseImagesText(text, "images.yaml");
  } catch (e) {
    if (!isUserError(e)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    const lines = text.split(/\r\n|\r|\n/).length;
    for (const p of e.problems) {
      expect(p.file).toBe("images.yaml");
      expect(p.message.length).toBeGreaterThan(0);
      if (p.line !== undefined) {
        expect(p.line).toBeGreaterThanOrEqual(1);
        expect(p.line).toBeLessThanOrEqual(lines + 1);
      }
    }
  }
}

const KEYS = ["name", "registry", "repository", "source", "provider", "repo", "branch", "dockerfile", "context", "workflow", "workflowInputs",
  "rebuildDelay", "autoRebuild", "buildArgs", "platforms", "versionBump", "updates", "path", "type", "key", "base", "tagPolicy",
  "constraint", "platform", "interval", "rebuildOn", "ignoreBases", "rebuildDelya", "__proto__", "constructor", "toString"];

const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom("main", "7d", "acme/app", "ghcr.io", "linux/amd64", "patch", "yaml-update", "Dockerfile", "../x", "gitlab"));
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("v"), { maxKeys: 6 }),
  ),
})).v;

describe("images.yaml: random documents give clean errors, never a crash", () => {
  it("arbitrary text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), parsesCleanly), { numRuns: 400 });
  });

  it("YAML-looking text built from the schema's keys", () => {
    const line = fc.tuple(fc.nat(6), fc.constantFrom("- ", "", "  "), fc.constantFrom(...KEYS), fc.constantFrom(":", ": ", ":\n"), fc.oneof(scalar.map(String), fc.constantFrom("[", "]", "{", "}", "&a", "*a", "!!binary", "|", ">", "'", '"')));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => parsesCleanly(lines.map(([indent, dash, k, sep, v]) => `${" ".repeat(indent)}${dash}${k}${sep}${v}`).join("\n"))),
      { numRuns: 400 },
    );
  });

  it("structured documents: lists of random entries", () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 5 }), (entries) => parsesCleanly(jsYaml.dump(entries, { noRefs: true, skipInvalid: true }))),
      { numRuns: 400 },
    );
  });

  it("the example estate with one line mutated", () => {
    const lines = EXAMPLE.split("\n");
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.string({ maxLength: 30 }), fc.boolean(), (index, text, replace) => {
        const copy = [...lines];
        if (replace) copy[index] = text;
        else copy.splice(index, 0, text);
        parsesCleanly(copy.join("\n"));
      }),
      { numRuns: 500 },
    );
  });
});
