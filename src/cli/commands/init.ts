import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../config/errors";
import { OWNER_REPO } from "../../config/schema";
import { type Command, displayPath, UsageError } from "../command";
import { renderStartingImages, scanCheckouts } from "../init-scan";
import { COMMAND_HELP } from "../help";

/** Where the committed JSON Schema of images.yaml is published, for the editor modeline. */
export const IMAGES_SCHEMA_NAME = "images.schema.json";

export const initCommand: Command = {
  name: "init",
  summary: "Write a starting images.yaml from the Dockerfiles in local checkouts",
  help: COMMAND_HELP.init,
  options: { repo: { type: "string" }, out: { type: "string" } },
  positionals: true,
  async run({ values, positionals }, io) {
    const dirs = positionals.length > 0 ? positionals : ["."];
    if (typeof values.repo === "string") {
      if (!OWNER_REPO.test(values.repo)) throw new UsageError(`--repo must be owner/name, got "${values.repo}"`);
      if (dirs.length > 1) throw new UsageError("--repo applies to one checkout; give several checkouts their own remotes");
    }
    const checkouts = dirs.map((d) => {
      const dir = path.resolve(io.cwd, d);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError([{ file: d, message: "is not a folder" }]);
      return { dir, shownAs: d };
    });
    const out = typeof values.out === "string" ? values.out : "images.yaml";
    const target = out === "-" ? undefined : path.resolve(io.cwd, out);
    // Checked before scanning: nothing is written over an existing file.
    if (target && fs.existsSync(target)) {
      throw new UserError([{ file: displayPath(target, io.cwd), message: "already exists; init never overwrites a file (pass --out to write elsewhere)" }]);
    }
    const images = scanCheckouts(checkouts, typeof values.repo === "string" ? values.repo : undefined);
    const text = renderStartingImages(images, { schemaRef: schemaRefFor(target) });
    if (!target) {
      io.stdout(text);
      return 0;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // "wx": fails rather than replace a file created meanwhile.
    fs.writeFileSync(target, text, { flag: "wx" });
    const unknown = images.filter((i) => !i.repo).length;
    io.stdout(
      `${displayPath(target, io.cwd)}: written: ${images.length} image${images.length === 1 ? "" : "s"} from ${checkouts.length} checkout${checkouts.length === 1 ? "" : "s"}; ` +
        `fill in each NOT KNOWN field (${images.length} repositor${images.length === 1 ? "y" : "ies"} to publish to${unknown ? `, ${unknown} source repo${unknown === 1 ? "" : "s"}` : ""}), then run \`image-factory validate --images ${out}\`\n`,
    );
    return 0;
  },
};

/** The schema as a path relative to the written file, when the package's copy can be found. */
function schemaRefFor(target: string | undefined): string | undefined {
  const schema = path.resolve(__dirname, "..", "..", "..", "schema", IMAGES_SCHEMA_NAME);
  if (!fs.existsSync(schema)) return undefined;
  if (!target) return schema;
  const rel = path.relative(path.dirname(target), schema).split(path.sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}
