/**
 * Whether Go's regexp package (RE2 syntax) accepts a regular expression. Kargo v1.11.2 compiles
 * a Warehouse's allowTagsRegexes with `regexp.Compile` (pkg/image/tag_based_selector.go,
 * compileRegexes), which parses with regexp/syntax's Perl flags. JavaScript's RegExp accepts
 * lookarounds, backreferences and possessive-looking `a*+`, all of which RE2 rejects, and it
 * rejects Go syntax such as `(?i)`, `(?P<name>...)` and `\z`; so neither engine can stand in for
 * the other, and this is a checker written against regexp/syntax's grammar (parse.go: parse,
 * parsePerlFlags, parseRepeat, parseEscape, parseClass, parseUnicodeClass, repeatIsValid).
 *
 * It scans without recursion the input controls. Not covered: the compiled-size limit
 * (ErrLarge, a 3 MB program), and Unicode class names are checked against JavaScript's tables.
 */

/** regexp/syntax's error codes, as Go prints them. */
const ERR = {
  invalidCharClass: "invalid character class",
  invalidCharRange: "invalid character class range",
  invalidEscape: "invalid escape sequence",
  invalidNamedCapture: "invalid named capture",
  invalidPerlOp: "invalid or unsupported Perl syntax",
  invalidRepeatOp: "invalid nested repetition operator",
  invalidRepeatSize: "invalid repeat count",
  missingBracket: "missing closing ]",
  missingParen: "missing closing )",
  missingRepeatArgument: "missing argument to repetition operator",
  trailingBackslash: "trailing backslash at end of expression",
  unexpectedParen: "unexpected )",
  nestingDepth: "expression nests too deeply",
} as const;

const MAX_REPEAT = 1000;
const MAX_HEIGHT = 1000;

const POSIX_CLASSES = new Set(["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"]);

class GoRegexpError {
  constructor(readonly code: string, readonly expr: string) {}
}

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

function unicodeClassKnown(name: string): boolean {
  const canonical = name.replace(/[_\- ]/g, "");
  if (/^(any|assigned|ascii)$/i.test(canonical)) return true;
  for (const candidate of new Set([name, canonical, canonical.charAt(0).toUpperCase() + canonical.slice(1).toLowerCase()])) {
    // Go knows categories and scripts only (not JavaScript's binary properties such as Alphabetic).
    for (const form of [`\\p{Script=${candidate}}`, `\\p{General_Category=${candidate}}`]) {
      try {
        new RegExp(form, "u");
        return true;
      } catch {
        // not this spelling
      }
    }
  }
  return false;
}

interface Atom {
  /** The largest product of counted repetitions inside it (repeatIsValid's budget). */
  factor: number;
}

interface Group {
  /** Atoms of the current alternative; only the last one can take a repetition. */
  last?: Atom;
  /** Whether the last token was a repetition operator (Go forbids stacking them). */
  lastWasRepeat: boolean;
  /** Largest factor of anything in the group so far. */
  factor: number;
  /** Where the last repetition operator started, for the error's excerpt. */
  lastRepeatStart?: number;
}

/** Go's regexp.Compile error (as `code: expr`), or undefined when RE2 accepts `re`. */
export function goRegexpError(re: string): string | undefined {
  try {
    check(re);
    return undefined;
  } catch (e) {
    if (e instanceof GoRegexpError) return `${e.code}: \`${e.expr}\``;
    throw e;
  }
}

function check(s: string): void {
  const groups: Group[] = [{ lastWasRepeat: false, factor: 1 }];
  const top = () => groups[groups.length - 1];
  const pushAtom = (atom: Atom = { factor: 1 }) => {
    const g = top();
    g.last = atom;
    g.lastWasRepeat = false;
    g.factor = Math.max(g.factor, atom.factor);
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    switch (c) {
      case "(": {
        if (s[i + 1] === "?") {
          const opened = perlFlags(s, i);
          i = opened.next;
          if (opened.group) {
            if (groups.length >= MAX_HEIGHT) throw new GoRegexpError(ERR.nestingDepth, s);
            groups.push({ lastWasRepeat: false, factor: 1 });
          } else {
            // A flag change such as (?i) pushes nothing: a repetition after it applies to what came before.
            top().lastWasRepeat = false;
          }
          continue;
        }
        if (groups.length >= MAX_HEIGHT) throw new GoRegexpError(ERR.nestingDepth, s);
        groups.push({ lastWasRepeat: false, factor: 1 });
        i++;
        continue;
      }
      case ")": {
        if (groups.length < 2) throw new GoRegexpError(ERR.unexpectedParen, s);
        const closed = groups.pop()!;
        pushAtom({ factor: closed.factor });
        i++;
        continue;
      }
      case "|": {
        const g = top();
        g.last = undefined;
        g.lastWasRepeat = false;
        i++;
        continue;
      }
      case "^":
      case "$":
      case ".":
        pushAtom();
        i++;
        continue;
      case "[":
        i = parseClass(s, i);
        pushAtom();
        continue;
      case "*":
      case "+":
      case "?": {
        let after = i + 1;
        if (s[after] === "?") after++;
        repeat(top(), s, i, after, 0, 0, false);
        i = after;
        continue;
      }
      case "{": {
        const r = parseRepeat(s, i);
        if (!r) {
          pushAtom();
          i++;
          continue;
        }
        let after = r.next;
        if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) throw new GoRegexpError(ERR.invalidRepeatSize, s.slice(i, after));
        if (s[after] === "?") after++;
        repeat(top(), s, i, after, r.min, r.max, true);
        i = after;
        continue;
      }
      case "\\": {
        const next = s[i + 1];
        if (next === "A" || next === "b" || next === "B" || next === "z") {
          pushAtom();
          i += 2;
          continue;
        }
        if (next === "C") throw new GoRegexpError(ERR.invalidEscape, "\\C");
        if (next === "Q") {
          const end = s.indexOf("\\E", i + 2);
          const literal = end < 0 ? s.slice(i + 2) : s.slice(i + 2, end);
          if (literal.length > 0) pushAtom();
          else top().lastWasRepeat = false;
          i = end < 0 ? s.length : end + 2;
          continue;
        }
        if (next === "p" || next === "P") {
          i = parseUnicodeClass(s, i);
          pushAtom();
          continue;
        }
        if (next !== undefined && "dDsSwW".includes(next)) {
          pushAtom();
          i += 2;
          continue;
        }
        i = parseEscape(s, i);
        pushAtom();
        continue;
      }
      default:
        pushAtom();
        i += s.codePointAt(i)! > 0xffff ? 2 : 1;
    }
  }
  if (groups.length !== 1) throw new GoRegexpError(ERR.missingParen, s);
}

function repeat(g: Group, s: string, start: number, end: number, min: number, max: number, counted: boolean): void {
  if (g.lastWasRepeat) throw new GoRegexpError(ERR.invalidRepeatOp, s.slice(g.lastRepeatStart ?? start, end));
  if (!g.last) throw new GoRegexpError(ERR.missingRepeatArgument, s.slice(start, end));
  if (counted) {
    const m = max < 0 ? min : max;
    const factor = max === 0 ? 1 : m * g.last.factor;
    if ((min >= 2 || max >= 2) && factor > MAX_REPEAT) throw new GoRegexpError(ERR.invalidRepeatSize, s.slice(start, end));
    g.last = { factor: Math.max(1, factor) };
    g.factor = Math.max(g.factor, g.last.factor);
  }
  g.lastWasRepeat = true;
  g.lastRepeatStart = start;
}

/** `{min}`, `{min,}` or `{min,max}`; undefined when it is not one (then `{` is a literal). */
function parseRepeat(s: string, start: number): { min: number; max: number; next: number } | undefined {
  const m = /^\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}/.exec(s.slice(start));
  if (!m) return undefined;
  const toInt = (digits: string) => (digits.length > 8 ? -1 : Number(digits));
  const min = toInt(m[1]);
  let max = m[2] === undefined ? min : m[3] === undefined ? -1 : toInt(m[3]);
  if (m[3] !== undefined && max < 0) return { min: -1, max, next: start + m[0].length };
  if (m[2] === undefined) max = min;
  return { min, max, next: start + m[0].length };
}

/** `(?flags)`, `(?flags:`, `(?P<name>`, `(?<name>`: returns where the scan continues and whether a group opened. */
function perlFlags(s: string, start: number): { next: number; group: boolean } {
  const t = s.slice(start);
  const startsWithP = t.length > 4 && t[2] === "P" && t[3] === "<";
  const startsWithName = t.length > 3 && t[2] === "<";
  if (startsWithP || startsWithName) {
    const end = t.indexOf(">");
    if (end < 0) throw new GoRegexpError(ERR.invalidNamedCapture, t);
    const name = t.slice(startsWithName ? 3 : 4, end);
    if (!/^[\p{L}\p{Nd}_]+$/u.test(name)) throw new GoRegexpError(ERR.invalidNamedCapture, t.slice(0, end + 1));
    return { next: start + end + 1, group: true };
  }
  let sign = 1;
  let sawFlag = false;
  for (let j = 2; j < t.length; j++) {
    const c = t[j];
    if (c === "i" || c === "m" || c === "s" || c === "U") {
      sawFlag = true;
      continue;
    }
    if (c === "-") {
      if (sign < 0) throw new GoRegexpError(ERR.invalidPerlOp, t.slice(0, j + 1));
      sign = -1;
      sawFlag = false;
      continue;
    }
    if (c === ":" || c === ")") {
      if (sign < 0 && !sawFlag) throw new GoRegexpError(ERR.invalidPerlOp, t.slice(0, j + 1));
      return { next: start + j + 1, group: c === ":" };
    }
    throw new GoRegexpError(ERR.invalidPerlOp, t.slice(0, j + 1));
  }
  throw new GoRegexpError(ERR.invalidPerlOp, t);
}

/** One escape outside the Perl classes; returns the index after it. */
function parseEscape(s: string, start: number): number {
  let i = start + 1;
  if (i >= s.length) throw new GoRegexpError(ERR.trailingBackslash, "");
  const c = String.fromCodePoint(s.codePointAt(i)!);
  i += c.length;
  const invalid = () => new GoRegexpError(ERR.invalidEscape, s.slice(start, i));
  if (c.codePointAt(0)! < 0x80 && !isAlnum(c)) return i;
  if (c >= "1" && c <= "7") {
    // A lone \1..\7 is a backreference, which RE2 does not have.
    if (!(s[i] >= "0" && s[i] <= "7")) throw invalid();
  }
  if (c >= "0" && c <= "7") {
    for (let n = 1; n < 3 && s[i] >= "0" && s[i] <= "7"; n++) i++;
    return i;
  }
  if (c === "x") {
    if (s[i] === "{") {
      const close = s.indexOf("}", i);
      const hex = close < 0 ? "" : s.slice(i + 1, close);
      if (close < 0 || !/^[0-9A-Fa-f]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff) {
        i = close < 0 ? s.length : close + 1;
        throw invalid();
      }
      return close + 1;
    }
    const hex = s.slice(i, i + 2);
    i += Math.min(2, s.length - i);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalid();
    return i;
  }
  if ("afnrtv".includes(c)) return i;
  throw invalid();
}

/** `\pL`, `\p{Name}`, `\p{^Name}`, `\PL`...; returns the index after it. */
function parseUnicodeClass(s: string, start: number): number {
  let i = start + 2;
  if (i >= s.length) throw new GoRegexpError(ERR.invalidCharRange, s.slice(start));
  let name: string;
  if (s[i] !== "{") {
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    name = ch;
    i += ch.length;
  } else {
    const close = s.indexOf("}", i);
    if (close < 0) throw new GoRegexpError(ERR.invalidCharRange, s.slice(start));
    name = s.slice(i + 1, close);
    i = close + 1;
  }
  if (name.startsWith("^")) name = name.slice(1);
  if (!unicodeClassKnown(name)) throw new GoRegexpError(ERR.invalidCharRange, s.slice(start, i));
  return i;
}

/** A character class `[...]`; returns the index after it. */
function parseClass(s: string, start: number): number {
  let i = start + 1;
  if (s[i] === "^") i++;
  let first = true;
  const classChar = (): { value: number; next: number } => {
    if (i >= s.length) throw new GoRegexpError(ERR.missingBracket, s.slice(start));
    if (s[i] === "\\") {
      const end = parseEscape(s, i);
      return { value: escapeValue(s.slice(i, end)), next: end };
    }
    const cp = s.codePointAt(i)!;
    return { value: cp, next: i + (cp > 0xffff ? 2 : 1) };
  };
  while (i >= s.length || s[i] !== "]" || first) {
    if (i >= s.length) throw new GoRegexpError(ERR.missingBracket, s.slice(start));
    first = false;
    if (s.startsWith("[:", i)) {
      const close = s.indexOf(":]", i + 2);
      if (close >= 0) {
        const name = s.slice(i + 2, close).replace(/^\^/, "");
        if (!POSIX_CLASSES.has(name)) throw new GoRegexpError(ERR.invalidCharRange, s.slice(i, close + 2));
        i = close + 2;
        continue;
      }
    }
    if (s[i] === "\\" && (s[i + 1] === "p" || s[i + 1] === "P")) {
      i = parseUnicodeClass(s, i);
      continue;
    }
    if (s[i] === "\\" && s[i + 1] !== undefined && "dDsSwW".includes(s[i + 1])) {
      i += 2;
      continue;
    }
    const rangeStart = i;
    const lo = classChar();
    i = lo.next;
    if (s[i] === "-" && i + 1 < s.length && s[i + 1] !== "]") {
      i++;
      const hi = classChar();
      i = hi.next;
      if (hi.value < lo.value) throw new GoRegexpError(ERR.invalidCharRange, s.slice(rangeStart, i));
    }
  }
  return i + 1;
}

/** The code point an escape (already checked by parseEscape) stands for. */
function escapeValue(escape: string): number {
  const c = escape[1];
  if (c === "x") return parseInt(escape.slice(2).replace(/[{}]/g, ""), 16);
  if (c >= "0" && c <= "7") return parseInt(escape.slice(1), 8);
  const named: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  return named[c] ?? escape.codePointAt(1)!;
}
