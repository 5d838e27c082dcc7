/**
 * Semver constraints as Kargo parses them: Kargo v1.11.2's image SemVer selector calls
 * `semver.NewConstraint` of github.com/Masterminds/semver/v3 v3.4.0 (pkg/image/semver_selector.go;
 * the version is pinned in Kargo's go.mod). This re-implements that function's acceptance
 * (constraints.go: rewriteRange, the `||` split, validConstraintRegex, findConstraintRegex,
 * parseConstraint; version.go: NewVersion with CoerceNewVersion, its default), so a constraint
 * Kargo would reject is an error at validation instead of a Warehouse that never discovers.
 *
 * The regular expressions are Masterminds' own grammar; Go's `\s` is ASCII whitespace
 * without \v, spelled out here because JavaScript's `\s` is wider.
 */

const S = "[\\t\\n\\f\\r ]";
const OPS = "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^";
const CV = "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?";

const CONSTRAINT = new RegExp(`^${S}*(${OPS})${S}*(${CV})${S}*$`);
const RANGE = new RegExp(`${S}*(${CV})${S}+-${S}+(${CV})${S}*`, "g");
const FIND = new RegExp(`(${OPS})${S}*(${CV})`, "g");
const VALID = new RegExp(`^(${S}*(${OPS})${S}*(${CV})${S}*)((?:${S}+|,${S}*)(${OPS})${S}*(${CV})${S}*)*$`);
const LOOSE_VERSION = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
const UINT64_MAX = 18446744073709551615n;

function isX(s: string | undefined): boolean {
  return s === "x" || s === "X" || s === "*";
}

/** NewVersion with CoerceNewVersion (the library default): the error, or undefined when it parses. */
function versionError(v: string): string | undefined {
  const m = LOOSE_VERSION.exec(v);
  if (!m) return "invalid semantic version";
  for (const part of [m[1], m[2], m[3]]) {
    if (part === undefined) continue;
    if (BigInt(part.replace(/^\./, "")) > UINT64_MAX) return "error parsing version segment: value out of range";
  }
  if (m[5] !== undefined) {
    for (const id of m[5].split(".")) {
      if (/^[0-9]+$/.test(id) && id.length > 1 && id.startsWith("0")) return "version segment starts with 0";
    }
  }
  return undefined;
}

/** One `<op><version>` of an AND group (parseConstraint). */
function constraintError(c: string): string | undefined {
  const m = CONSTRAINT.exec(c);
  if (!m) return `improper constraint: ${c}`;
  // Groups as in Go: 3 major, 4 .minor, 5 .patch, 6 -prerelease.
  const [, , whole, major, minor, patch, pre] = m;
  let version = whole;
  const suffix = pre ?? "";
  if (isX(major)) version = `0.0.0${suffix}`;
  else if (minor === undefined || isX(minor.slice(1))) version = `${major}.0.0${suffix}`;
  else if (patch === undefined || isX(patch.slice(1))) version = `${major}${minor}.0${suffix}`;
  return versionError(version) === undefined ? undefined : "constraint parser error";
}

/** Rewrites `a - b` ranges as `>= a, <= b ` (rewriteRange). */
function rewriteRange(text: string): string {
  let out = text;
  for (const m of text.matchAll(RANGE)) out = out.replace(m[0], `>= ${m[1]}, <= ${m[11]} `);
  return out;
}

/** Why Masterminds/semver v3.4.0 would reject `text` as a constraint, or undefined when it accepts it. */
export function semverConstraintError(text: string): string | undefined {
  const rewritten = rewriteRange(text);
  for (const or of rewritten.split("||")) {
    if (!VALID.test(or)) return `improper constraint: ${or}`;
    const parts = [...or.matchAll(FIND)].map((m) => m[0]);
    for (const part of parts.length > 0 ? parts : [or]) {
      const error = constraintError(part);
      if (error) return error;
    }
  }
  return undefined;
}
