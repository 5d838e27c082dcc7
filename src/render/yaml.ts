/**
 * YAML for rendered Kubernetes objects: one document per object, deterministic, and every
 * string a YAML 1.1 reader (kubectl, Argo CD) or a YAML 1.2 reader would not read back as the
 * same string is quoted; line separators and controls only ever appear escaped. Fast on large
 * estates: ambiguousAsPlain recognizes the common plain strings by shape and caches the rest.
 */
import { Document, visit } from "yaml";
import { commentLines } from "../github/yaml";
import { ambiguousAsPlain, escapeUnsafeInDoubleQuoted, needsEscapes } from "../config/text-policy";

export { ambiguousAsPlain } from "../config/text-policy";

/** One YAML document (keys in the value's order), with `#` comment lines above it. */
export function yamlDocument(value: unknown, header: readonly string[] = []): string {
  const doc = new Document(value, { version: "1.2" });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && (needsEscapes(node.value) || ambiguousAsPlain(node.value))) node.type = "QUOTE_DOUBLE";
    },
  });
  const body = escapeUnsafeInDoubleQuoted(doc.toString({ lineWidth: 0, indent: 2, indentSeq: true }));
  return `${commentLines(header)}${header.length ? "\n" : ""}${body}`;
}
