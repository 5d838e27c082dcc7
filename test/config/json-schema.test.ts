// The committed JSON Schemas (schema/*.json) are what `npm run schema` generates from the zod
// schemas, they accept the example estate and the prod overlay, and they reject an unknown key
// (zod's strictObject becomes additionalProperties: false).
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { imagesJsonSchema, overlayJsonSchema, schemaFiles } from "../../src/config/json-schema";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

describe("JSON Schemas", () => {
  it("are committed exactly as `npm run schema` generates them", () => {
    for (const [file, text] of Object.entries(schemaFiles())) expect(read(file), `${file}: run \`npm run schema\``).toBe(text);
  });

  const ajv = new Ajv({ allErrors: true, strict: false });
  const images = ajv.compile(imagesJsonSchema());
  const overlay = ajv.compile(overlayJsonSchema());

  it("accept the example images.yaml and the prod overlay", () => {
    expect(images(parse(read("examples/estate/images.yaml"))), JSON.stringify(images.errors)).toBe(true);
    expect(overlay(parse(read("stacks/prod.yaml"))), JSON.stringify(overlay.errors)).toBe(true);
  });

  it("reject an unknown key in an image, in its source and in an overlay", () => {
    const example = parse(read("examples/estate/images.yaml")) as Array<Record<string, unknown>>;
    expect(images([{ ...example[0], rebuildDelai: "1d" }])).toBe(false);
    expect(images.errors?.some((e) => e.keyword === "additionalProperties" && (e.params as { additionalProperty?: string }).additionalProperty === "rebuildDelai")).toBe(true);
    expect(images([{ ...example[0], source: { ...(example[0].source as object), dockerFile: "x" } }])).toBe(false);
    expect(overlay({ images: { exclude: [] }, overides: {} })).toBe(false);
  });

  it("reject wrong values the zod schema rejects: a bad name, a missing repository", () => {
    expect(images([{ name: "Bad_Name", repository: "acme/x", source: { repo: "acme/x" } }])).toBe(false);
    expect(images([{ name: "ok", source: { repo: "acme/x" } }])).toBe(false);
  });

  it("are referenced by a yaml-language-server modeline in the example files", () => {
    expect(read("examples/estate/images.yaml").split("\n")[0]).toBe("# yaml-language-server: $schema=../../schema/images.schema.json");
    expect(read("stacks/prod.yaml").split("\n")[0]).toBe("# yaml-language-server: $schema=../schema/overlay.schema.json");
    expect(fs.existsSync(path.join(ROOT, "examples/estate", "../../schema/images.schema.json"))).toBe(true);
  });
});
