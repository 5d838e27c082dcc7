/**
 * The word lexer BuildKit applies to Dockerfile words: quotes, the escape token and
 * variable substitution ($VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word},
 * ${VAR:?msg}, ${VAR?msg}, ${VAR#pat}, ${VAR##pat}, ${VAR%pat}, ${VAR%%pat}, ${VAR/pat/rep},
 * ${VAR//pat/rep}). It reproduces BuildKit's semantics (moby/buildkit frontend/dockerfile/shell)
 * rather than POSIX sh where the two differ, because a FROM line means what BuildKit makes of it.
 *
 * It never throws: a word BuildKit would reject comes back as { ok: false, error }.
 */

/** Variable lookup: undefined means unset (distinct from set to ""). */
export type EnvLookup = (name: string) => string | undefined;

/**
 * Bounds on one word's processing, so a hostile Dockerfile costs little time and memory: the
 * result (and any value or pattern produced on the way) stays under MAX_WORD_EXPANSION
 * characters, and `${...}` may nest MAX_SUBSTITUTION_DEPTH deep (the lexer recurses once per
 * level). Image references are far shorter; BuildKit has no such bound but runs in Go, whose
 * regexp is linear, where the wildcard patterns here run on JavaScript's backtracking engine.
 */
export const MAX_WORD_EXPANSION = 8192;
export const MAX_SUBSTITUTION_DEPTH = 32;
/** Unescaped wildcards allowed in one pattern applied to a long value (backtracking cost grows with each). */
const MAX_PATTERN_WILDCARDS = 2;

export interface LexOptions {
  /** The escape token: "\\" or "`" (the Dockerfile's `# escape=` directive). */
  escape: string;
  /** Keep quote characters in the output (used to find heredoc words). */
  rawQuotes?: boolean;
  /** Keep escape tokens in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to "". */
  skipUnsetEnv?: boolean;
}

export type LexResult =
  | {
      ok: true;
      /** The processed word. */
      result: string;
      /** The word split on unquoted whitespace (after substitution). */
      words: string[];
      /** Variables that were looked up and set. */
      matched: ReadonlySet<string>;
      /** Variables that were looked up and unset. */
      unmatched: ReadonlySet<string>;
    }
  | { ok: false; error: string };

class LexFailure {
  constructor(readonly message: string) {}
}

// Go's unicode.IsSpace.
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
export function isGoSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0x85) return false;
  return GO_SPACE.test(ch);
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
function isLetter(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return LETTER.test(ch);
}
function isDigit(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return c >= 0x30 && c <= 0x39;
  return DIGIT.test(ch);
}
function isSpecialParam(ch: string): boolean {
  return ch === "@" || ch === "*" || ch === "#" || ch === "?" || ch === "-" || ch === "$" || ch === "!" || ch === "0";
}

class Words {
  private word = "";
  private inWord = false;
  private readonly words: string[] = [];

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = "";
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }
  done(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = "";
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  private pos = 0;
  private depth = 0;
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    private readonly src: string,
    private readonly env: EnvLookup,
    private readonly opts: LexOptions,
  ) {
    this.rawEscapes = opts.rawEscapes ?? false;
  }

  /** The next character (a whole code point), or undefined at the end. */
  private peek(): string | undefined {
    const { src, pos } = this;
    if (pos >= src.length) return undefined;
    const c = src.charCodeAt(pos);
    if (c < 0xd800 || c > 0xdbff) return src[pos];
    return String.fromCodePoint(src.codePointAt(pos) as number);
  }

  private next(): string | undefined {
    const ch = this.peek();
    if (ch !== undefined) this.pos += ch.length;
    return ch;
  }

  run(): { result: string; words: string[] } {
    return this.processStopOn(undefined, this.rawEscapes);
  }

  private processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = "";
      const words = new Words();
      for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
        if (stop !== undefined && ch === stop) {
          this.pos += ch.length;
          return { result, words: words.done() };
        }
        if (result.length > MAX_WORD_EXPANSION) throw tooLong();
        if (ch === "$") {
          const tmp = this.processDollar();
          result += tmp;
          words.addString(tmp);
        } else if (ch === "'") {
          const tmp = this.processSingleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else if (ch === '"') {
          const tmp = this.processDoubleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else if (ch === "<") {
          // BuildKit keeps "<<" and the blanks after it in one word, so `<< EOF` is a heredoc.
          const tmp = this.processPossibleHeredoc();
          result += tmp;
          words.addRawString(tmp);
        } else {
          this.pos += ch.length;
          if (ch === this.opts.escape) {
            if (this.rawEscapes) {
              words.addRawChar(ch);
              result += ch;
            }
            const escaped = this.next();
            // An escape token at the very end is dropped.
            if (escaped === undefined) break;
            words.addRawChar(escaped);
            result += escaped;
          } else {
            words.addChar(ch);
            result += ch;
          }
        }
      }
      if (stop !== undefined) throw new LexFailure(`unexpected end of statement while looking for matching ${stop}`);
      if (result.length > MAX_WORD_EXPANSION) throw tooLong();
      return { result, words: words.done() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    const raw = this.opts.rawQuotes ?? false;
    let result = raw ? "'" : "";
    this.pos += 1;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexFailure("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") return raw ? result + ch : result;
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    const raw = this.opts.rawQuotes ?? false;
    const esc = this.opts.escape;
    let result = raw ? '"' : "";
    this.pos += 1;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexFailure("unexpected end of statement while looking for matching double-quote");
      if (ch === '"') {
        this.pos += 1;
        return raw ? result + ch : result;
      }
      if (ch === "$") {
        result += this.processDollar();
        if (result.length > MAX_WORD_EXPANSION) throw tooLong();
        continue;
      }
      let out = this.next() as string;
      if (out === esc) {
        if (this.rawEscapes) result += out;
        const after = this.peek();
        if (after === undefined) continue;
        // Only ", $ and the escape token itself can be escaped inside double quotes.
        if (after === '"' || after === "$" || after === esc) out = this.next() as string;
      }
      result += out;
    }
  }

  private processPossibleHeredoc(): string {
    this.pos += 1;
    if (this.peek() !== "<") return "<";
    this.pos += 1;
    let space = "";
    for (let ch = this.peek(); ch === " " || ch === "\t"; ch = this.peek()) {
      space += ch;
      this.pos += 1;
    }
    return "<<" + space;
  }

  private lookup(name: string): { value: string; set: boolean } {
    const value = this.env(name);
    if (value === undefined) {
      this.unmatched.add(name);
      return { value: "", set: false };
    }
    this.matched.add(name);
    return { value, set: true };
  }

  private processDollar(): string {
    if (this.depth >= MAX_SUBSTITUTION_DEPTH) throw new LexFailure(`variable substitutions nest more than ${MAX_SUBSTITUTION_DEPTH} deep`);
    this.depth++;
    try {
      return this.processDollarAt();
    } finally {
      this.depth--;
    }
  }

  private processDollarAt(): string {
    this.pos += 1;
    const skipUnset = this.opts.skipUnsetEnv ?? false;
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const { value, set } = this.lookup(name);
      if (!set && skipUnset) return "$" + name;
      return value;
    }
    this.pos += 1;
    const first = this.peek();
    if (first === undefined) throw new LexFailure("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LexFailure("syntax error: bad substitution");
    const name = this.processName();
    let ch = this.next();
    let chs = ch ?? "";
    switch (ch) {
      case "}": {
        const { value, set } = this.lookup(name);
        if (!set && skipUnset) return "${" + name + "}";
        return value;
      }
      case "/":
        return this.processReplace(name, skipUnset);
      case ":":
      case "+":
      case "-":
      case "?":
      case "#":
      case "%": {
        let nullIsUnset = false;
        if (ch === ":") {
          // Like Go's fallthrough: whatever follows ':' is taken as the modifier.
          nullIsUnset = true;
          ch = this.next();
          chs += ch ?? "";
        }
        const rawEscapes = ch === "#" || ch === "%";
        let word: string;
        try {
          word = this.processStopOn("}", rawEscapes).result;
        } catch (e) {
          if (e instanceof LexFailure && this.peek() === undefined) throw new LexFailure("syntax error: missing '}'");
          throw e;
        }
        const { value, set } = this.lookup(name);
        if (skipUnset && !set) return "${" + name + chs + word + "}";
        switch (ch) {
          case "-":
            return !set || (nullIsUnset && value === "") ? word : value;
          case "+":
            return !set || (nullIsUnset && value === "") ? "" : word;
          case "?":
            if (!set) throw new LexFailure(`${name}: ${word !== "" ? word : "is not allowed to be unset"}`);
            if (nullIsUnset && value === "") throw new LexFailure(`${name}: ${word !== "" ? word : "is not allowed to be empty"}`);
            return value;
          case "%":
          case "#": {
            let pattern = word;
            let greedy = false;
            if (pattern.length > 0 && pattern[0] === ch) {
              greedy = true;
              pattern = pattern.slice(1);
            }
            return ch === "%" ? trimSuffix(pattern, value, greedy) : trimPrefix(pattern, value, greedy);
          }
          default:
            throw new LexFailure(`unsupported modifier (${chs}) in substitution`);
        }
      }
      default:
        throw new LexFailure(ch === undefined ? "syntax error: missing '}'" : `unsupported modifier (${chs}) in substitution`);
    }
  }

  private processReplace(name: string, skipUnset: boolean): string {
    const replaceAll = this.peek() === "/";
    if (replaceAll) this.pos += 1;
    let pattern: string;
    let replacement: string;
    try {
      pattern = this.processStopOn("/", true).result;
    } catch (e) {
      if (e instanceof LexFailure && this.peek() === undefined) throw new LexFailure("syntax error: missing '/' in ${}");
      throw e;
    }
    try {
      replacement = this.processStopOn("}", true).result;
    } catch (e) {
      if (e instanceof LexFailure && this.peek() === undefined) throw new LexFailure("syntax error: missing '}'");
      throw e;
    }
    const { value, set } = this.lookup(name);
    if (skipUnset && !set) return "${" + name + "/" + pattern + "/" + replacement + "}";
    checkPatternCost(pattern, value);
    const re = shellPatternToRegex(pattern, true, false);
    if (replaceAll) {
      const global = new RegExp(re.source, "gu");
      // Go's ReplaceAllString expands $-templates in the replacement; the pattern has no groups.
      let length = 0;
      return value.replace(global, (match) => {
        const out = expandGoTemplate(replacement, match);
        length += out.length;
        if (length > MAX_WORD_EXPANSION) throw tooLong();
        return out;
      });
    }
    const m = re.exec(value);
    if (!m) return value;
    return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
  }

  private processName(): string {
    let name = "";
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name.length === 0 && isDigit(ch)) {
        for (let d = this.peek(); d !== undefined && isDigit(d); d = this.peek()) {
          name += d;
          this.pos += d.length;
        }
        return name;
      }
      if (name.length === 0 && isSpecialParam(ch)) {
        this.pos += ch.length;
        return ch;
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== "_") break;
      name += ch;
      this.pos += ch.length;
    }
    return name;
  }
}

/** Go regexp template expansion for a pattern without capture groups. */
function expandGoTemplate(template: string, match: string): string {
  if (!template.includes("$")) return template;
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== "$") {
      out += c;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    const m = /^(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(template.slice(i + 1));
    if (!m) {
      out += "$";
      continue;
    }
    const group = m[1] ?? m[2];
    if (group === "0") out += match;
    i += m[0].length;
  }
  return out;
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;

/**
 * A shell wildcard pattern (`*`, `?`, `\` escapes; no bracket expressions, like BuildKit) as a
 * regular expression. Throws LexFailure on a bad escape.
 */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? "^" : "";
  const star = greedy ? "[^\\n]*" : "[^\\n]*?";
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i];
    if (tok === "*") {
      out += star;
    } else if (tok === "?") {
      // Go's "." matches anything but a newline.
      out += "[^\\n]";
    } else if (tok === "\\") {
      const following = chars[i + 1];
      // `}` and `/` are escaped only to survive ${...}; the escape is not part of the pattern.
      if (following === "}" || following === "/") continue;
      if (following !== "*" && following !== "?" && following !== "\\") {
        throw new LexFailure(`invalid pattern (${pattern}) in substitution: invalid escape '\\${following ?? ""}'`);
      }
      out += "\\" + following;
      i++;
    } else {
      out += REGEX_SPECIAL.test(tok) ? "\\" + tok : tok;
    }
  }
  return new RegExp(out, "u");
}

function tooLong(): LexFailure {
  return new LexFailure(`the word expands to more than ${MAX_WORD_EXPANSION} characters`);
}

/** Refuses a wildcard pattern whose backtracking over `value` could take long (see MAX_PATTERN_WILDCARDS). */
function checkPatternCost(pattern: string, value: string): void {
  const wildcards = (pattern.replace(/\\./g, "").match(/[*?]/g) ?? []).length;
  if (value.length > 256 && wildcards > MAX_PATTERN_WILDCARDS) {
    throw new LexFailure(`the pattern ${JSON.stringify(pattern.slice(0, 40))} has more than ${MAX_PATTERN_WILDCARDS} wildcards for a value of ${value.length} characters`);
  }
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  checkPatternCost(pattern, value);
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

function reversePattern(pattern: string): string {
  const p = Array.from(pattern);
  const out = new Array<string>(p.length);
  const last = p.length - 1;
  for (let i = 0; i <= last; ) {
    const outIdx = last - i;
    if (p[i] === "\\" && i !== last) {
      out[outIdx - 1] = p[i];
      out[outIdx] = p[i + 1];
      i += 2;
    } else {
      out[outIdx] = p[i];
      i++;
    }
  }
  return out.join("");
}

function reverseString(s: string): string {
  return Array.from(s).reverse().join("");
}

/** Shortest (or longest) suffix match, by matching the reversed pattern against the reversed value. */
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

const NOTHING: ReadonlySet<string> = new Set();
const SPECIAL_BACKSLASH = /[$'"<\\\s\u0085]/;
const SPECIAL_BACKTICK = /[$'"<`\s\u0085]/;

/** Processes one word the way BuildKit's shell lexer does. */
export function lexWord(input: string, env: EnvLookup, opts: LexOptions): LexResult {
  // Most words (image names, stage names) have nothing to process: skip the lexer.
  if (!(opts.escape === "`" ? SPECIAL_BACKTICK : SPECIAL_BACKSLASH).test(input)) {
    return { ok: true, result: input, words: input.length > 0 ? [input] : [], matched: NOTHING, unmatched: NOTHING };
  }
  return lexWordFull(input, env, opts);
}

/** lexWord without the shortcut for plain words (the tests check both agree). */
export function lexWordFull(input: string, env: EnvLookup, opts: LexOptions): LexResult {
  const lexer = new Lexer(input, env, opts);
  try {
    const { result, words } = lexer.run();
    return { ok: true, result, words, matched: lexer.matched, unmatched: lexer.unmatched };
  } catch (e) {
    if (e instanceof LexFailure) return { ok: false, error: e.message };
    // A RegExp built from a checked pattern cannot fail; anything else is a defect.
    throw e;
  }
}

export const NO_ENV: EnvLookup = () => undefined;
