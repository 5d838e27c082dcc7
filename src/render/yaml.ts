/**
 * YAML for rendered Kubernetes objects: one document per object, deterministic, and every
 * string a YAML 1.1 reader (kubectl, Argo CD) or a YAML 1.2 reader would not read back as the
 * same string is quoted. Fast on large estates: the common plain strings are recognized by
 * shape, and the expensive check (parsing the string) runs once per distinct string.
 */
import { Document, parse, visit } from "yaml";

/** Starts with a letter, then letters, digits, `.`, `_`, `/`, `-`: plain in both YAML versions, unless a keyword. */
const SAFE_PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*$/;
/** YAML 1.1 booleans and nulls (YAML 1.2's are a subset). */
const KEYWORDS = /^(y|yes|n|no|true|false|on|off|null)$/i;

const ambiguity = new Map<string, boolean>();

/** Whether `text`, written unquoted, would read back as something else than this string. */
export function ambiguousAsPlain(text: string): boolean {
  if (text === "" || /[\n\r]/.test(text)) return false;
  if (SAFE_PLAIN.test(text) && !KEYWORDS.test(text)) return false;
  let known = ambiguity.get(text);
  if (known === undefined) {
    known = false;
    for (const version of ["1.1", "1.2"] as const) {
      try {
        if (parse(text, { version }) !== text) known = true;
      } catch {
        // Not a plain scalar at all: the serializer quotes it by itself.
      }
    }
    ambiguity.set(text, known);
  }
  return known;
}

/** One YAML document (keys in the value's order), with `#` comment lines above it. */
export function yamlDocument(value: unknown, header: readonly string[] = []): string {
  const doc = new Document(value, { version: "1.2" });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && ambiguousAsPlain(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  const body = doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
  return `${header.map((l) => `# ${l}`).join("\n")}${header.length ? "\n" : ""}${body}`;
}
