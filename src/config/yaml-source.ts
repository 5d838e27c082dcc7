/**
 * YAML parsing that remembers where every value came from, so an error about a field
 * can give its line. js-yaml (used elsewhere for output) keeps no source positions; the
 * `yaml` package does, which is why input files are read with it.
 */
import { Document, isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import type { Problem } from "./errors";

export interface SourcedYaml {
  file: string;
  /** The document as plain data. */
  data: unknown;
  /** The 1-based line of the value at `path`, or of its nearest ancestor that exists. */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
  /** The 1-based line of the key `key` of the mapping at `path`. */
  lineOfKey(path: ReadonlyArray<string | number>, key: string): number | undefined;
}

export type ParseResult = { ok: true; yaml: SourcedYaml } | { ok: false; problems: Problem[] };

export function parseSourcedYaml(input: string, file: string): ParseResult {
  // A UTF-8 byte order mark is how some editors start a file; it is not content.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
        message: `YAML syntax error: ${firstLine(e.message)}`,
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { ok: false, problems: [{ file, message: `YAML error: ${(e as Error).message}` }] };
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  return {
    ok: true,
    yaml: {
      file,
      data,
      lineOf: (path) => lineAt(nearestNode(doc, path)?.range?.[0]),
      lineOfKey: (path, key) => {
        const node = nodeAt(doc, path);
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
          const keyNode = pair?.key as Node | undefined;
          if (keyNode?.range) return lineAt(keyNode.range[0]);
        }
        return lineAt(nearestNode(doc, path)?.range?.[0]);
      },
    },
  };
}

function nodeAt(doc: Document, path: ReadonlyArray<string | number>): Node | undefined {
  if (path.length === 0) return (doc.contents as Node | null) ?? undefined;
  const node = doc.getIn(path as (string | number)[], true);
  return node && typeof node === "object" && "range" in (node as object) ? (node as Node) : undefined;
}

function nearestNode(doc: Document, path: ReadonlyArray<string | number>): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n));
    if (node?.range) return node;
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0].trim();
}
