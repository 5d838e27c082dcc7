// Writes the JSON Schemas of images.yaml and of stack overlays (schema/*.json) from the zod
// schemas that validate them. Run with `npm run schema`; a test checks the committed files
// match what this writes.
import * as fs from "node:fs";
import * as path from "node:path";
import { schemaFiles } from "../src/config/json-schema";

const root = path.resolve(__dirname, "..");
for (const [file, text] of Object.entries(schemaFiles())) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
  process.stdout.write(`${file}\n`);
}
