/**
 * The one character policy for user text. Every string from images.yaml, an overlay or the
 * stack config may end up in a generated workflow, a Kubernetes manifest or a Kargo step
 * config, so each is checked here at validation, before any field grammar:
 *
 *  - no C0 control (U+0000–U+001F, tab and line feed included), DEL, C1 control
 *    (U+0080–U+009F, so NEL U+0085), U+2028/U+2029 (line breaks to YAML 1.1 readers such as
 *    go-yaml v2 and PyYAML), a byte order mark or a noncharacter (U+FFFE, U+FFFF), and no lone
 *    surrogate (not encodable as UTF-8);
 *  - no Kargo expression delimiter (`${{`, `}}`, `${%`, `%}`): Kargo evaluates every string of
 *    a step config, so user text must never carry one (and GitHub Actions evaluates `${{`);
 *  - no reserved mapping key (`__proto__`, `constructor`, `prototype`), which JavaScript
 *    objects would swallow or confuse with their prototype.
 *
 * It also holds what the YAML writers need to keep text text: which characters they must
 * escape, and which plain scalars a YAML 1.1 or 1.2 reader would read as something else.
 */
import { parse } from "yaml";
import type { Problem } from "./errors";

/** Kargo's expression delimiters (docs: "Expressions" in the promotion-steps reference). */
export const KARGO_DELIMITERS = ["${{", "}}", "${%", "%}"] as const;

/** Keys a JavaScript object cannot hold as plain data. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The characters no user value may hold (see the module comment). */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function codePointName(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const names: Record<number, string> = {
    0x09: "a tab",
    0x0a: "a line break",
    0x0d: "a carriage return",
    0x7f: "DEL",
    0x85: "NEXT LINE (a line break in YAML 1.1)",
    0x2028: "LINE SEPARATOR (a line break in YAML 1.1)",
    0x2029: "PARAGRAPH SEPARATOR (a line break in YAML 1.1)",
    0xfeff: "a byte order mark",
  };
  if (names[code]) return `${hex}, ${names[code]}`;
  if (code >= 0xd800 && code <= 0xdfff) return `${hex}, a lone surrogate`;
  if (code < 0x20 || (code >= 0x80 && code <= 0x9f)) return `${hex}, a control character`;
  return hex;
}

/** Why `text` breaks the character policy (naming the character, never echoing the text), or undefined. */
export function characterProblem(text: string): string | undefined {
  const m = FORBIDDEN.exec(text);
  if (!m) return undefined;
  const position = Array.from(text.slice(0, m.index)).length + 1;
  return `must not contain ${codePointName(m[0])} (character ${position})`;
}

/** The first Kargo expression delimiter in `text`, if any. */
export function kargoDelimiterIn(text: string): string | undefined {
  return KARGO_DELIMITERS.find((d) => text.includes(d));
}

/** Why a user value is refused, or undefined: characters first, then Kargo delimiters. */
export function textProblem(text: string): string | undefined {
  const chars = characterProblem(text);
  if (chars) return chars;
  const delimiter = kargoDelimiterIn(text);
  if (delimiter) return `must not contain ${JSON.stringify(delimiter)}: Kargo and GitHub Actions would evaluate it as an expression`;
  return undefined;
}

/** Why a mapping key is refused, or undefined. */
export function keyProblem(key: string): string | undefined {
  if (RESERVED_KEYS.has(key)) return `${JSON.stringify(key)} is a reserved name and cannot be a key`;
  const problem = textProblem(key);
  return problem ? `the key ${problem}` : undefined;
}

type Path = ReadonlyArray<string | number>;

export interface PolicyContext {
  file: string;
  /** The line of the value at a path (relative to the document root). */
  lineOf?: (path: Path) => number | undefined;
  /** The line of key `key` of the mapping at a path. */
  lineOfKey?: (path: Path, key: string) => number | undefined;
  /** Names the subject (image, base) a path belongs to, for messages. */
  subjectOf?: (path: Path) => string | undefined;
  /** How a path is shown as a field, for messages (default: dotted with [i]). */
  fieldOf?: (path: Path) => string;
}

function defaultField(path: Path): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/**
 * Every string and every key inside `value` (walked without recursion, so nesting depth costs
 * nothing), checked against the policy. `at` is where `value` sits in the document.
 */
export function policyProblems(value: unknown, ctx: PolicyContext, at: Path = []): Problem[] {
  const problems: Problem[] = [];
  const fieldOf = ctx.fieldOf ?? defaultField;
  const stack: Array<{ v: unknown; path: Path }> = [{ v: value, path: at }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) problems.push({ file: ctx.file, line: ctx.lineOf?.(path), subject: ctx.subjectOf?.(path), field: fieldOf(path) || undefined, message: problem });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
    } else if (v !== null && typeof v === "object") {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const problem = keyProblem(key);
        if (problem) {
          problems.push({ file: ctx.file, line: ctx.lineOfKey?.(path, key) ?? ctx.lineOf?.(path), subject: ctx.subjectOf?.(path), field: fieldOf([...path, key]), message: problem });
          continue;
        }
        stack.push({ v: (v as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

// ---------------------------------------------------------------------------------------------
// What the YAML writers need

/** Characters a writer must never emit raw: they are line breaks, invisible or unparseable for some reader. */
const UNSAFE_FOR_YAML = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** What escapeUnsafeInDoubleQuoted replaces (lone surrogates are already escaped by the serializer). */
const UNSAFE_RAW_GLOBAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** Whether a string holds a character a YAML writer must escape (a double-quoted scalar is the only safe form). */
export function needsEscapes(text: string): boolean {
  return UNSAFE_FOR_YAML.test(text);
}

/**
 * Replaces every raw unsafe character in serialized YAML by its escape. Only valid when each
 * such character sits inside a double-quoted scalar (the writers force that style for any
 * string that holds one); tab and line feed are left to the serializer.
 */
export function escapeUnsafeInDoubleQuoted(yamlText: string): string {
  return yamlText.replace(UNSAFE_RAW_GLOBAL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code === 0x85) return "\\N";
    if (code === 0x2028) return "\\L";
    if (code === 0x2029) return "\\P";
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Plain scalars YAML 1.1 gives a type the `yaml` package's 1.1 schema does not: `=` (the
 * value type: PyYAML's resolver has it and SafeLoader cannot construct it) and `<<` (the merge
 * key, which go-yaml v2 resolves as a merge wherever it appears).
 */
const YAML11_SPECIAL = /^(?:=|<<)$/;
/** Starts with a letter, then letters, digits, `.`, `_`, `/`, `-`: plain in both YAML versions, unless a keyword. */
const SAFE_PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*$/;
/** YAML 1.1 booleans and nulls (YAML 1.2's are a subset). */
const KEYWORDS = /^(?:y|yes|n|no|true|false|on|off|null)$/i;

const ambiguity = new Map<string, boolean>();

/**
 * Whether `text`, written as a plain scalar, would read back as anything but this string under
 * YAML 1.1 (booleans like `yes`/`on`/`y`, sexagesimal and octal numbers, timestamps, `=`, `<<`)
 * or YAML 1.2 (`true`, `null`, numbers). Strings that need escapes are quoted anyway.
 */
export function ambiguousAsPlain(text: string): boolean {
  if (text === "") return false;
  if (YAML11_SPECIAL.test(text)) return true;
  if (/[\n\r]/.test(text) || needsEscapes(text)) return false;
  if (SAFE_PLAIN.test(text) && !KEYWORDS.test(text)) return false;
  let known = ambiguity.get(text);
  if (known === undefined) {
    known = false;
    for (const version of ["1.1", "1.2"] as const) {
      try {
        if (parse(text, { version, logLevel: "error" }) !== text) known = true;
      } catch {
        // Not a plain scalar at all: the serializer quotes it by itself.
      }
    }
    if (ambiguity.size < 100_000) ambiguity.set(text, known);
  }
  return known;
}
