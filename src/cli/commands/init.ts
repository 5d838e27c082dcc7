import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../config/errors";
import { OWNER_REPO } from "../../config/schema";
import { type Command, displayPath, UsageError } from "../command";
import { renderStartingImages, scanCheckouts } from "../init-scan";

/** Where the committed JSON Schema of images.yaml is published, for the editor modeline. */
export const IMAGES_SCHEMA_NAME = "images.schema.json";

export const initCommand: Command = {
  name: "init",
  summary: "Write a starting images.yaml from the Dockerfiles in local checkouts",
  help: `Usage: image-factory init [--repo OWNER/NAME] [--out FILE] [CHECKOUT]...

Searches each CHECKOUT (a local clone of a source repository; default: the current folder)
for Dockerfiles (Dockerfile, Dockerfile.<variant>, <variant>.Dockerfile) and writes a
starting images.yaml with one image per Dockerfile: its name (from its folder), the
repository (from the checkout's origin remote, or --repo), the remote's default branch when
the clone recorded it, the Dockerfile's path and its folder as the build context.

What a checkout cannot tell is left out and marked NOT KNOWN in a comment: where each image
is published (repository) and, without a remote, the source repository. Workflows that
mention a Dockerfile are noted beside it, not chosen. The file is not valid until those are
filled in; \`image-factory validate --images FILE\` lists what is missing. An existing file
is never overwritten.

Options:
  --repo OWNER/NAME   the source repository, when a single CHECKOUT has no usable remote
  --out FILE          the file to write (default: images.yaml); - prints it instead
  -h, --help          show this help`,
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
