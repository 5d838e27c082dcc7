/**
 * JSON Schemas of images.yaml and of a stack overlay (stacks/<stack>.yaml), generated from
 * the zod schemas that validate them, for editors (yaml-language-server) and other tools.
 * They describe the shape; the CLI's own checks (duplicate names, lock consistency, the
 * character policy) stay the authority. `npm run schema` writes them to schema/.
 */
import { z } from "zod";
import { overlaySchema } from "./overlay";
import { baseSchema, imageSchema } from "./schema";

function generate(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  // io "input": what a user writes (defaults make fields optional); draft-07 for the widest tool support.
  const json = z.toJSONSchema(schema, { target: "draft-7", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...json, title, description };
}

/** images.yaml: a list whose entries are images (name, ...) or base declarations (base, ...). */
export function imagesJsonSchema(): Record<string, unknown> {
  return generate(
    z.array(z.union([imageSchema, baseSchema])),
    "image-factory images.yaml",
    "The images image-factory keeps rebuilt on fresh bases, and the bases watched differently from the default.",
  );
}

/** A stack's overlay (stacks/<stack>.yaml): enrollment, per-image overrides, registries, bases. */
export function overlayJsonSchema(): Record<string, unknown> {
  return generate(overlaySchema, "image-factory stack overlay", "What one stack changes in images.yaml: which images it enrolls and how it watches and rebuilds them.");
}

/** The files `npm run schema` writes, by path relative to the repository, as their bytes. */
export function schemaFiles(): Record<string, string> {
  return {
    "schema/images.schema.json": `${JSON.stringify(imagesJsonSchema(), null, 2)}\n`,
    "schema/overlay.schema.json": `${JSON.stringify(overlayJsonSchema(), null, 2)}\n`,
  };
}
