/**
 * Loading images.yaml: YAML → per-entry validation → cross-entry checks. Every problem
 * in the file is collected before anything is reported, so a user fixes them in one pass.
 */
import { type BaseDeclaration, baseSchema, completeImage, type ImageSpec, imageSchema } from "./schema";
import { type Problem, readUserFile, UserError } from "./errors";
import { parseSourcedYaml, type SourcedYaml } from "./yaml-source";
import { characterProblem, policyProblems } from "./text-policy";
import { formatPath, typeName, validateWith } from "./validate";

export interface ImagesFile {
  /** The file, as the user named it. */
  file: string;
  /** Images the factory rebuilds, in file order. */
  images: ImageSpec[];
  /** Explicit base declarations, in file order. */
  bases: BaseDeclaration[];
}

/**
 * Reads and validates an images.yaml file. Throws UserError listing every problem.
 * `file` is named in errors as `shownAs` (e.g. relative to the project).
 */
export function loadImagesFile(filePath: string, shownAs: string = filePath): ImagesFile {
  return parseImagesText(readUserFile(filePath, shownAs, { maxBytes: MAX_IMAGES_FILE_BYTES }), shownAs);
}

/** images.yaml larger than this is refused (a 10,000-image estate is a few MB). */
export const MAX_IMAGES_FILE_BYTES = 32 * 1024 * 1024;

/** A name fit to appear in a message: short and within the character policy. */
export function shownName(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= 100 && !characterProblem(value) ? value : undefined;
}

/**
 * The character policy over one entry, and the schema's problems minus those about a field the
 * policy already reported (its grammar message would only repeat the complaint).
 */
export function entryProblems(policy: Problem[], schema: Problem[]): Problem[] {
  const fields = new Set(policy.map((p) => p.field));
  return [...policy, ...schema.filter((p) => !fields.has(p.field))];
}

function policyOf(yaml: SourcedYaml, index: number, entry: unknown, subject: string): Problem[] {
  return policyProblems(entry, {
    file: yaml.file,
    lineOf: (path) => yaml.lineOf(path),
    lineOfKey: (path, key) => yaml.lineOfKey(path, key),
    subjectOf: () => subject,
    fieldOf: (path) => formatPath(path.slice(1)),
  }, [index]);
}

/** Validates images.yaml content. `file` is only used to name the file in errors. */
export function parseImagesText(text: string, file: string): ImagesFile {
  const parsed = parseSourcedYaml(text, file);
  if (!parsed.ok) throw new UserError(parsed.problems);
  const { yaml } = parsed;
  const data = yaml.data ?? [];
  if (!Array.isArray(data)) {
    throw new UserError([{ file, line: yaml.lineOf([]), message: `must be a YAML list of images, got ${typeName(data)}` }]);
  }

  const problems: Problem[] = [];
  const images: ImageSpec[] = [];
  const bases: BaseDeclaration[] = [];
  const imageLines = new Map<string, number | undefined>();
  const baseLines = new Map<string, number | undefined>();

  data.forEach((entry, index) => {
    const line = yaml.lineOf([index]);
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push({ file, line, subject: `entry #${index + 1}`, message: `must be a mapping (an image or a base), got ${typeName(entry)}` });
      return;
    }
    const record = entry as Record<string, unknown>;
    if ("base" in record) {
      const base = shownName(record.base);
      const subject = base ? `base "${base}"` : `base #${index + 1}`;
      const policy = policyOf(yaml, index, entry, subject);
      const result = validateWith(baseSchema, record, { yaml, basePath: [index], subject });
      if (!result.ok || policy.length > 0) return void problems.push(...entryProblems(policy, result.ok ? [] : result.problems));
      const previous = baseLines.get(result.value.base);
      if (baseLines.has(result.value.base)) {
        problems.push({ file, line, subject, message: `is declared twice (first at line ${previous ?? "?"})` });
      } else {
        baseLines.set(result.value.base, line);
        bases.push(result.value);
      }
      return;
    }
    const name = shownName(record.name);
    const subject = name ? `image "${name}"` : `image #${index + 1}`;
    const policy = policyOf(yaml, index, entry, subject);
    const result = validateWith(imageSchema, record, { yaml, basePath: [index], subject });
    if (typeof record.name === "string" && record.name && name) {
      if (imageLines.has(record.name)) {
        problems.push({
          file,
          line: yaml.lineOf([index, "name"]),
          subject,
          field: "name",
          message: `duplicate name: "${record.name}" is already used at line ${imageLines.get(record.name) ?? "?"}`,
        });
      } else {
        imageLines.set(record.name, yaml.lineOf([index, "name"]));
      }
    }
    if (!result.ok || policy.length > 0) return void problems.push(...entryProblems(policy, result.ok ? [] : result.problems));
    images.push(completeImage(result.value));
  });

  problems.push(...registrySecretClashes(images, file));
  if (problems.length > 0) throw new UserError(problems);
  return { file, images, bases };
}

/**
 * A generated workflow logs in to a registry other than ghcr.io with the repository secrets
 * REGISTRY_<HOST>_USERNAME/PASSWORD, HOST upper-cased with every other character as `_`
 * (github/workflow.ts registrySecretNames). Hosts that differ only in punctuation would share
 * them, and a build would send one registry's password to the other: refused here.
 */
export function registrySecretClashes(images: readonly ImageSpec[], file: string): Problem[] {
  const byKey = new Map<string, string>();
  const problems: Problem[] = [];
  for (const image of images) {
    if (image.registry === "ghcr.io") continue;
    const key = image.registry.toUpperCase().replace(/[^A-Z0-9]/g, "_");
    const other = byKey.get(key);
    if (other === undefined) byKey.set(key, image.registry);
    else if (other !== image.registry) {
      problems.push({
        file,
        subject: `image "${image.name}"`,
        field: "registry",
        message: `${image.registry} and ${other} would share the workflow secrets REGISTRY_${key}_USERNAME and _PASSWORD, so a build could send one registry's password to the other: use one spelling of the host`,
      });
    }
  }
  return problems;
}
